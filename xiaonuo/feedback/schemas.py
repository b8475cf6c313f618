"""Request and response shapes of the reviews API."""

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field


class ReviewIn(Schema):
    # Lengths, emptiness and values are checked by the service (code review_invalid, per item).
    text: str = Field(description="the review as the customer wrote it")
    platform: str = Field("other", description="taobao, jd, meituan, dianping or other")
    external_id: str | None = Field(
        None, description="the platform's review or order id: a retry is stored once"
    )
    store: str | None = None
    product: str | None = None
    rating: float | str | None = Field(None, description="1–5 (or 好评 / 中评 / 差评)")
    author_name: str | None = None
    author_handle: str | None = Field(
        None, description="a phone number or your own user id: links the review to the customer"
    )
    reviewed_at: datetime | str = Field(description="ISO 8601; without a zone, Asia/Shanghai")


class ReviewBatchIn(Schema):
    batch: list[ReviewIn] = Field(description="Up to 1,000 reviews, stored all or nothing")


class ReviewsAcceptedOut(Schema):
    created: int
    duplicates: int
    ids: list[int]


class ReviewOut(Schema):
    id: int
    platform: str
    external_id: str
    store: str
    product: str
    rating: int | None
    text: str
    author_name: str
    reviewed_at: datetime
    customer_id: int | None
    sentiment: str
    score: float | None
    aspects: list[dict[str, Any]]
    is_complaint: bool
    keywords: list[str]
    enriched: bool
    reply_status: str
    reply_text: str
    replied_at: datetime | None


class ReviewPageOut(Schema):
    reviews: list[ReviewOut]
    next_before: int | None = Field(description="pass as `before` for the next (older) page")
