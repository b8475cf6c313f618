"""Builders for the feedback tests: small review texts written for these tests."""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from xiaonuo.feedback import enrichment, services
from xiaonuo.feedback.models import Review
from xiaonuo.feedback.services import ReviewInput

PRODUCT_BAD = "奶茶味道很差，珍珠也不新鲜"
PRODUCT_GOOD = "奶茶味道很好，珍珠很新鲜"
SERVICE_BAD = "服务员态度很差，爱理不理"
SERVICE_GOOD = "服务员态度很好，很热情"


def add_reviews(workspace: Any, rows: list[dict[str, Any]], *, enrich: bool = True) -> list[int]:
    """Store reviews through the service and enrich them at once (the job, run inline)."""
    items = [
        ReviewInput(**{"platform": "meituan", "reviewed_at": timezone.now(), **row}) for row in rows
    ]
    result = services.ingest_reviews(workspace=workspace, items=items)
    if enrich:
        enrichment.enrich_reviews(review_ids=result.ids)
    return result.ids


def many(text: str, n: int, *, when: datetime, **fields: Any) -> list[dict[str, Any]]:
    return [
        {"text": text, "reviewed_at": when - timedelta(minutes=i), "author_name": f"u{i}", **fields}
        for i in range(n)
    ]


def review(pk: int) -> Review:
    return Review.objects.get(pk=pk)
