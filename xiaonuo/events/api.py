from typing import Any

from django.utils import timezone
from ninja import Query, Router, Status

from xiaonuo.accounts.auth import ApiRequest
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import selectors as customers_selectors
from xiaonuo.events import selectors as events_selectors
from xiaonuo.events import services as events_services
from xiaonuo.events.models import EventType
from xiaonuo.events.schemas import AcceptedOut, EventBatchIn, EventIn, EventPageOut
from xiaonuo.events.services import IncomingEvent

router = Router(tags=["events"])


def _ingest(
    request: ApiRequest, payload: EventIn | EventBatchIn, default_type: EventType
) -> Status:
    items = payload.batch if isinstance(payload, EventBatchIn) else [payload]
    incoming = [
        IncomingEvent(
            type=item.type or default_type,
            event=item.event or "",
            user_id=item.user_id or "",
            anonymous_id=item.anonymous_id or "",
            properties=item.properties,
            traits=item.traits,
            # A timestamp without a zone is read in the server's zone (Asia/Shanghai by default).
            timestamp=timezone.make_aware(item.timestamp)
            if item.timestamp is not None and timezone.is_naive(item.timestamp)
            else item.timestamp,
            message_id=item.message_id or "",
        )
        for item in items
    ]
    result = events_services.ingest_events(
        workspace=request.auth.workspace, items=incoming, actor=Actor(api_key=request.auth)
    )
    return Status(202, {"accepted": result.accepted, "duplicates": result.duplicates})


@router.post(
    "/track", response={202: AcceptedOut}, summary="Record what users did (one event or a batch)"
)
def track(request: ApiRequest, payload: EventBatchIn | EventIn) -> Status:
    return _ingest(request, payload, EventType.TRACK)


@router.post("/identify", response={202: AcceptedOut}, summary="Say who users are (one or a batch)")
def identify(request: ApiRequest, payload: EventBatchIn | EventIn) -> Status:
    return _ingest(request, payload, EventType.IDENTIFY)


@router.get(
    "/customers/{customer_id}/events",
    response=EventPageOut,
    summary="A customer's events, newest first",
)
def customer_events(
    request: ApiRequest,
    customer_id: int,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    workspace = request.auth.workspace
    customers_selectors.get_customer(workspace=workspace, customer_id=customer_id)
    items, count = events_selectors.page_customer_events(
        workspace=workspace, customer_id=customer_id, offset=offset, limit=limit
    )
    return {"items": items, "count": count}
