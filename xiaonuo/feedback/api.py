"""The reviews API.

- ``POST /reviews`` — up to 1,000 reviews (``{"batch": [...]}``), stored all or nothing;
  idempotent by platform + external id (else by content). 201 with created, duplicates and ids.
- ``GET /reviews`` — the workspace's reviews, newest first, with their enrichment; filters
  ``platform``, ``store``, ``product``, ``sentiment``, ``complaint``, ``reply_status``; page with
  ``before`` (an id) and ``limit``.
"""

from ninja import Query, Router, Schema, Status
from pydantic import Field

from xiaonuo.accounts.auth import ApiRequest
from xiaonuo.feedback import selectors, services
from xiaonuo.feedback.exceptions import FeedbackError
from xiaonuo.feedback.models import Review
from xiaonuo.feedback.schemas import ReviewBatchIn, ReviewPageOut, ReviewsAcceptedOut
from xiaonuo.lib.errors import ServiceError

router = Router(tags=["feedback"])


class ReviewQuery(Schema):
    platform: str = ""
    store: str = ""
    product: str = ""
    sentiment: str = ""
    complaint: bool | None = None
    reply_status: str = ""
    before: int | None = Field(None, description="only reviews with a smaller id")
    limit: int = Field(100, ge=1, le=500)


def review_out(review: Review) -> dict:
    return {
        "id": review.pk,
        "platform": review.platform,
        "external_id": review.external_id,
        "store": review.store,
        "product": review.product,
        "rating": review.rating,
        "text": review.text,
        "author_name": review.author_name,
        "reviewed_at": review.reviewed_at,
        "customer_id": review.customer_id,
        "sentiment": review.sentiment,
        "score": review.score,
        "aspects": review.aspects,
        "is_complaint": review.is_complaint,
        "keywords": review.keywords,
        "enriched": review.enriched_at is not None,
        "reply_status": review.reply_status,
        "reply_text": review.reply_text,
        "replied_at": review.replied_at,
    }


@router.post(
    "/reviews",
    response={201: ReviewsAcceptedOut},
    summary="Store marketplace reviews (a batch of up to 1,000, all or nothing)",
)
def post_reviews(request: ApiRequest, payload: ReviewBatchIn) -> Status:
    if len(payload.batch) > services.MAX_BATCH:
        raise ServiceError(
            FeedbackError.BATCH_TOO_LARGE,
            f"At most {services.MAX_BATCH} reviews per request",
            status=413,
        )
    items = [
        services.ReviewInput(
            text=item.text,
            platform=item.platform,
            external_id=item.external_id or "",
            store=item.store or "",
            product=item.product or "",
            rating=item.rating,
            author_name=item.author_name or "",
            author_handle=item.author_handle or "",
            reviewed_at=item.reviewed_at,
            where=f"batch[{index}]",
        )
        for index, item in enumerate(payload.batch)
    ]
    result = services.ingest_reviews(workspace=request.auth.workspace, items=items)
    return Status(
        201, {"created": result.created, "duplicates": result.duplicates, "ids": result.ids}
    )


@router.get("/reviews", response=ReviewPageOut, summary="Reviews with their enrichment")
def get_reviews(request: ApiRequest, query: Query[ReviewQuery]) -> dict:
    qs = selectors.list_reviews(
        workspace=request.auth.workspace,
        filters=selectors.ReviewFilters(
            platform=query.platform,
            store=query.store,
            product=query.product,
            sentiment=query.sentiment,
            complaint=query.complaint,
            reply_status=query.reply_status,
        ),
    ).order_by("-pk")
    if query.before is not None:
        qs = qs.filter(pk__lt=query.before)
    page = list(qs[: query.limit + 1])
    more = len(page) > query.limit
    page = page[: query.limit]
    return {
        "reviews": [review_out(r) for r in page],
        "next_before": page[-1].pk if more and page else None,
    }
