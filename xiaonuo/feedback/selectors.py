"""Reads of the feedback app, always filtered by workspace: reviews, the quadrant, alerts."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from django.db.models import Count, Q, QuerySet, Sum

from xiaonuo.accounts.models import Workspace
from xiaonuo.feedback.models import (
    Alert,
    AlertStatus,
    Axis,
    ColumnMapping,
    Mention,
    MentionCount,
    Review,
    SentimentCorrection,
    SourceKind,
)
from xiaonuo.feedback.services import review_not_found

# Fewer mentions than this on an axis and the point is "insufficient evidence": shown as such,
# never plotted as a place or a trend (three reviews don't make a trend).
MIN_EVIDENCE = 30
MAX_DRIVER_ROWS = 5_000  # mentions read for the keyword drivers (the most recent)
DRIVERS_SHOWN = 8


@dataclass(frozen=True)
class ReviewFilters:
    platform: str = ""
    store: str = ""
    product: str = ""
    sentiment: str = ""
    complaint: bool | None = None
    reply_status: str = ""
    # Drill-down from the quadrant: reviews with a mention on this axis, of this polarity, in
    # this month.
    axis: str = ""
    polarity: str = ""
    month: date | None = None
    q: str = ""


def list_reviews(*, workspace: Workspace, filters: ReviewFilters) -> QuerySet[Review]:
    qs = Review.objects.filter(workspace=workspace)
    if filters.platform:
        qs = qs.filter(platform=filters.platform)
    if filters.store:
        qs = qs.filter(store=filters.store)
    if filters.product:
        qs = qs.filter(product=filters.product)
    if filters.sentiment:
        qs = qs.filter(sentiment=filters.sentiment)
    if filters.complaint is not None:
        qs = qs.filter(is_complaint=filters.complaint)
    if filters.reply_status:
        qs = qs.filter(reply_status=filters.reply_status)
    if filters.q:
        qs = qs.filter(text__contains=filters.q)
    if filters.axis or filters.polarity or filters.month:
        mentions = Mention.objects.filter(workspace=workspace, source_kind=SourceKind.REVIEW)
        if filters.axis:
            mentions = mentions.filter(axis=filters.axis)
        if filters.polarity:
            mentions = mentions.filter(polarity=filters.polarity)
        if filters.month:
            mentions = mentions.filter(month=filters.month)
        qs = qs.filter(pk__in=mentions.values("source_id"))
    return qs.order_by("-reviewed_at", "-pk")


def get_review(*, workspace: Workspace, review_id: int) -> Review:
    review = (
        Review.objects.filter(workspace=workspace, pk=review_id)
        .select_related("customer", "drafted_by", "replied_by")
        .first()
    )
    if review is None:
        raise review_not_found()
    return review


def get_correction(
    *, workspace: Workspace, source_kind: str, source_id: int
) -> SentimentCorrection | None:
    """The staff correction of a text's sentiment, if any (with who made it)."""
    return (
        SentimentCorrection.objects.filter(
            workspace=workspace, source_kind=source_kind, source_id=source_id
        )
        .select_related("corrected_by")
        .first()
    )


def stores_and_products(*, workspace: Workspace) -> tuple[list[str], list[str]]:
    """The stores and products the workspace's reviews name, for the filters."""
    base = Review.objects.filter(workspace=workspace)
    stores = list(
        base.exclude(store="").values_list("store", flat=True).distinct().order_by("store")[:500]
    )
    products = list(
        base.exclude(product="")
        .values_list("product", flat=True)
        .distinct()
        .order_by("product")[:500]
    )
    return stores, products


def list_mappings(*, workspace: Workspace) -> QuerySet[ColumnMapping]:
    return ColumnMapping.objects.filter(workspace=workspace).order_by("name")


# --- The quadrant -------------------------------------------------------------------------------


@dataclass
class AxisScore:
    positive: int = 0
    negative: int = 0
    neutral: int = 0

    @property
    def mentions(self) -> int:
        return self.positive + self.negative + self.neutral

    @property
    def sufficient(self) -> bool:
        return self.mentions >= MIN_EVIDENCE

    @property
    def score(self) -> int | None:
        """(positive − negative) ÷ mentions, as −100..100; None under the evidence rule."""
        if not self.sufficient:
            return None
        return round(100 * (self.positive - self.negative) / self.mentions)


@dataclass
class Point:
    label: str  # a month ("2026-03"), a store or a product
    product: AxisScore = field(default_factory=AxisScore)
    service: AxisScore = field(default_factory=AxisScore)

    @property
    def plotted(self) -> bool:
        return self.product.sufficient and self.service.sufficient

    @property
    def quadrant(self) -> str:
        """good_both / good_product / good_service / poor_both; '' when not plotted."""
        if not self.plotted:
            return ""
        good_product = (self.product.score or 0) >= 0
        good_service = (self.service.score or 0) >= 0
        if good_product and good_service:
            return "good_both"
        if good_product:
            return "good_product"
        if good_service:
            return "good_service"
        return "poor_both"


@dataclass(frozen=True)
class QuadrantFilters:
    store: str = ""
    product: str = ""
    start: date | None = None  # first month included
    end: date | None = None  # last month included
    sources: tuple[str, ...] = (SourceKind.REVIEW,)


@dataclass
class Quadrant:
    overall: Point
    months: list[Point]  # the trajectory, oldest first
    stores: list[Point]
    products: list[Point]
    drivers: dict[str, dict[str, list[tuple[str, int]]]]  # axis → polarity → (keyword, count)


def _mentions(workspace: Workspace, filters: QuadrantFilters) -> QuerySet[Mention]:
    qs = Mention.objects.filter(
        workspace=workspace, source_kind__in=filters.sources, axis__in=[Axis.PRODUCT, Axis.SERVICE]
    )
    return _narrowed(qs, filters)


def _add(points: dict[str, Point], label: str, axis: str, polarity: str, n: int) -> None:
    point = points.setdefault(label, Point(label=label))
    score = point.product if axis == Axis.PRODUCT else point.service
    setattr(score, polarity, getattr(score, polarity) + n)


def _counts(workspace: Workspace, filters: QuadrantFilters) -> QuerySet[MentionCount]:
    qs = MentionCount.objects.filter(workspace=workspace, source_kind__in=filters.sources)
    return _narrowed(qs, filters)


_Q = TypeVar("_Q", QuerySet[Mention], QuerySet[MentionCount])


def _narrowed(qs: _Q, filters: QuadrantFilters) -> _Q:
    """The store, product and month filters that mentions and their monthly counts share."""
    if filters.store:
        qs = qs.filter(store=filters.store)
    if filters.product:
        qs = qs.filter(product=filters.product)
    if filters.start:
        qs = qs.filter(month__gte=filters.start.replace(day=1))
    if filters.end:
        qs = qs.filter(month__lte=filters.end.replace(day=1))
    return qs


def get_quadrant(*, workspace: Workspace, filters: QuadrantFilters) -> Quadrant:
    """From the monthly rollup (``MentionCount``); the keyword drivers from recent mentions."""
    overall: dict[str, Point] = {}
    months: dict[str, Point] = {}
    stores: dict[str, Point] = {}
    products: dict[str, Point] = {}
    rows = (
        _counts(workspace, filters)
        .values("month", "store", "product", "axis", "polarity")
        .annotate(n=Sum("count"))
    )
    for row in rows:
        axis, polarity, n = row["axis"], row["polarity"], row["n"]
        _add(overall, "", axis, polarity, n)
        _add(months, row["month"].strftime("%Y-%m"), axis, polarity, n)
        if row["store"]:
            _add(stores, row["store"], axis, polarity, n)
        if row["product"]:
            _add(products, row["product"], axis, polarity, n)
    return Quadrant(
        overall=overall.get("", Point(label="")),
        months=[months[k] for k in sorted(months)],
        stores=sorted(stores.values(), key=lambda p: -(p.product.mentions + p.service.mentions)),
        products=sorted(
            products.values(), key=lambda p: -(p.product.mentions + p.service.mentions)
        ),
        drivers=_drivers(_mentions(workspace, filters)),
    )


def _drivers(qs: QuerySet[Mention]) -> dict[str, dict[str, list[tuple[str, int]]]]:
    """The keywords most often said with each axis's praise and criticism (recent mentions)."""
    counts: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    recent = qs.filter(polarity__in=["positive", "negative"]).order_by("-month", "-id")
    for axis, polarity, keywords in recent.values_list("axis", "polarity", "keywords")[
        :MAX_DRIVER_ROWS
    ]:
        counts[axis][polarity].update(keywords or ())
    return {
        axis: {
            polarity: counts[axis][polarity].most_common(DRIVERS_SHOWN)
            for polarity in ("positive", "negative")
        }
        for axis in (Axis.PRODUCT, Axis.SERVICE)
    }


# --- Alerts -------------------------------------------------------------------------------------


def list_alerts(*, workspace: Workspace, status: str = "") -> QuerySet[Alert]:
    qs = Alert.objects.filter(workspace=workspace)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("acknowledged_by").order_by("-created_at", "-pk")


def count_open_alerts(*, workspace: Workspace) -> int:
    return Alert.objects.filter(workspace=workspace, status=AlertStatus.OPEN).count()


def review_counts(*, workspace: Workspace) -> dict[str, int]:
    return Review.objects.filter(workspace=workspace).aggregate(
        total=Count("id"),
        negative=Count("id", filter=Q(sentiment="negative")),
        complaints=Count("id", filter=Q(is_complaint=True)),
        unreplied=Count("id", filter=~Q(reply_status="replied")),
    )
