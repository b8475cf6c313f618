from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import LimitOffsetPagination, paginate

from xiaonuo.customers import selectors as customers_selectors
from xiaonuo.events import selectors as events_selectors
from xiaonuo.events import services as events_services
from xiaonuo.events.exceptions import EventsError
from xiaonuo.events.models import EventType
from xiaonuo.events.schemas import AcceptedOut, EventBatchIn, EventIn, EventOut
from xiaonuo.events.services import IncomingEvent
from xiaonuo.lib.errors import ServiceError

router = Router(tags=["events"])

# Clocks drift; a timestamp this far ahead of the server is a client bug, not an event.
MAX_CLOCK_SKEW = timedelta(days=1)


def _ingest(request: HttpRequest, payload: EventIn | EventBatchIn, default_type: EventType) -> Status:
    items = payload.batch if isinstance(payload, EventBatchIn) else [payload]
    if not items:
        raise ServiceError(EventsError.EMPTY_BATCH, "The batch is empty")
    errors = []
    incoming = []
    latest = timezone.now() + MAX_CLOCK_SKEW
    for index, item in enumerate(items):
        kind = item.type or default_type
        if kind == EventType.TRACK and not item.event:
            errors.append({"index": index, "field": "event", "message": "track needs an event name"})
        if item.timestamp is not None:
            if timezone.is_naive(item.timestamp):
                item.timestamp = timezone.make_aware(item.timestamp)
            if item.timestamp > latest:
                errors.append({"index": index, "field": "timestamp", "message": "timestamp is in the future"})
        incoming.append(
            IncomingEvent(
                type=kind, event=item.event or "", user_id=item.user_id or "", anonymous_id=item.anonymous_id or "",
                properties=item.properties, traits=item.traits, timestamp=item.timestamp,
                message_id=item.message_id or "",
            )
        )
    if errors:
        # All or nothing: a batch with a bad item is rejected whole, so a retry after fixing it
        # cannot leave half a batch stored (and message ids make the retry safe anyway).
        raise ServiceError(EventsError.INVALID_EVENTS, "Some events did not validate; nothing was stored",
                           status=422, errors=errors)
    result = events_services.ingest_events(workspace=request.auth.workspace, items=incoming)
    return Status(202, {"accepted": result.accepted, "duplicates": result.duplicates})


@router.post("/track", response={202: AcceptedOut}, summary="Record what users did (one event or a batch)")
def track(request: HttpRequest, payload: EventBatchIn | EventIn) -> Status:
    return _ingest(request, payload, EventType.TRACK)


@router.post("/identify", response={202: AcceptedOut}, summary="Say who users are (one or a batch)")
def identify(request: HttpRequest, payload: EventBatchIn | EventIn) -> Status:
    return _ingest(request, payload, EventType.IDENTIFY)


@router.get("/customers/{customer_id}/events", response=list[EventOut], summary="A customer's events, newest first")
@paginate(LimitOffsetPagination)
def customer_events(request: HttpRequest, customer_id: int) -> list:
    workspace = request.auth.workspace
    customers_selectors.get_customer(workspace=workspace, customer_id=customer_id)
    return events_selectors.list_customer_events(workspace=workspace, customer_id=customer_id)
