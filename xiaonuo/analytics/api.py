"""Segments over the API: list, create, count and page through a segment's customers.

A definition that does not fit the schema is refused with ``segment_invalid`` (400) naming the
place (``conditions.1.op``); another workspace's segment is ``segment_not_found`` (404).
"""

from typing import Any

from ninja import Query, Router, Schema, Status
from pydantic import Field

from xiaonuo.accounts.auth import ApiRequest
from xiaonuo.analytics import segments
from xiaonuo.analytics.models import Segment
from xiaonuo.customers.api import customer_out
from xiaonuo.customers.schemas import CustomerOut

router = Router(tags=["segments"])


class SegmentIn(Schema):
    name: str = Field(max_length=100)
    description: str = Field("", max_length=500)
    # Validated by segments.parse_definition, whose errors carry the stable segment_invalid code.
    definition: dict[str, Any]


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    definition: dict[str, Any]


class SegmentList(Schema):
    items: list[SegmentOut]


class SegmentCount(Schema):
    id: int
    customers: int


class SegmentCustomers(Schema):
    items: list[CustomerOut]
    next_after_id: int | None = Field(
        description="pass as after_id for the next page; null on the last page"
    )


class PageQuery(Schema):
    after_id: int = Field(0, ge=0)
    limit: int = Field(100, ge=1, le=1000)


def segment_out(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.pk,
        "name": segment.name,
        "description": segment.description,
        "definition": segment.definition,
    }


@router.get("/segments", response=SegmentList, summary="The workspace's segments")
def list_segments(request: ApiRequest) -> dict[str, Any]:
    items = segments.list_segments(workspace=request.auth.workspace)
    return {"items": [segment_out(s) for s in items]}


@router.post("/segments", response={201: SegmentOut}, summary="Create a segment")
def create_segment(request: ApiRequest, payload: SegmentIn) -> Status:
    segment = segments.save_segment(
        workspace=request.auth.workspace,
        name=payload.name,
        description=payload.description,
        definition=payload.definition,
    )
    return Status(201, segment_out(segment))


@router.get("/segments/{segment_id}/count", response=SegmentCount, summary="Count its customers")
def count_segment(request: ApiRequest, segment_id: int) -> dict[str, Any]:
    workspace = request.auth.workspace
    segment = segments.get_segment(workspace=workspace, segment_id=segment_id)
    return {
        "id": segment.pk,
        "customers": segments.count(workspace=workspace, definition=segment.definition),
    }


@router.get(
    "/segments/{segment_id}/customers",
    response=SegmentCustomers,
    summary="Its customers, in id order, a page at a time",
)
def segment_customers(
    request: ApiRequest, segment_id: int, page: Query[PageQuery]
) -> dict[str, Any]:
    workspace = request.auth.workspace
    ids = segments.segment_customer_ids(workspace=workspace, segment_id=segment_id)
    customers = segments.customers_page(
        workspace=workspace, ids=ids, after_id=page.after_id, limit=page.limit
    )
    last = customers[-1].pk if customers else None
    more = last is not None and bool(ids.size) and last < int(ids[-1])
    return {"items": [customer_out(c) for c in customers], "next_after_id": last if more else None}
