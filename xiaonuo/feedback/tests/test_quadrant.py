"""The product × service quadrant: scores from aspect polarity, the evidence rule, months."""

from datetime import datetime

import pytest
from django.utils import timezone

from xiaonuo.feedback.selectors import (
    MIN_EVIDENCE,
    QuadrantFilters,
    ReviewFilters,
    get_quadrant,
    list_reviews,
)
from xiaonuo.feedback.tests.helpers import (
    PRODUCT_BAD,
    PRODUCT_GOOD,
    SERVICE_BAD,
    SERVICE_GOOD,
    add_reviews,
    many,
)

pytestmark = pytest.mark.django_db

SHANGHAI = timezone.get_fixed_timezone(8 * 60)
JAN = datetime(2026, 1, 20, 12, tzinfo=SHANGHAI)
FEB = datetime(2026, 2, 20, 12, tzinfo=SHANGHAI)


def test_scores_come_from_aspect_polarity_with_the_counts(cast):
    add_reviews(
        cast.shop,
        many(PRODUCT_GOOD, 30, when=JAN, store="A店")
        + many(PRODUCT_BAD + "。", 10, when=JAN, store="A店")
        + many(SERVICE_BAD, 40, when=JAN, store="A店"),
    )
    found = get_quadrant(workspace=cast.shop, filters=QuadrantFilters())
    product, service = found.overall.product, found.overall.service
    assert (product.positive, product.negative) == (30, 10)
    assert product.score == 50
    assert service.negative == 40 and service.score == -100
    assert found.overall.quadrant == "good_product"
    assert [p.label for p in found.months] == ["2026-01"]
    assert found.stores[0].label == "A店"
    assert dict(found.drivers["service"]["negative"])  # keywords behind the criticism


def test_too_few_mentions_are_insufficient_not_a_point(cast):
    add_reviews(
        cast.shop, many(PRODUCT_GOOD, MIN_EVIDENCE - 1, when=JAN) + many(SERVICE_GOOD, 40, when=JAN)
    )
    found = get_quadrant(workspace=cast.shop, filters=QuadrantFilters())
    assert found.overall.product.mentions == MIN_EVIDENCE - 1
    assert found.overall.product.score is None and not found.overall.plotted
    assert found.overall.quadrant == ""


def test_the_trajectory_moves_month_by_month_and_filters_by_store(cast):
    add_reviews(
        cast.shop,
        many(PRODUCT_GOOD, 30, when=JAN, store="A店")
        + many(SERVICE_BAD, 30, when=JAN, store="A店")
        + many(PRODUCT_BAD, 30, when=FEB, store="A店")
        + many(SERVICE_GOOD, 30, when=FEB, store="A店")
        + many(PRODUCT_GOOD, 30, when=FEB, store="B店"),
    )
    found = get_quadrant(workspace=cast.shop, filters=QuadrantFilters(store="A店"))
    assert [(p.label, p.quadrant) for p in found.months] == [
        ("2026-01", "good_product"),
        ("2026-02", "good_service"),
    ]
    only_feb = get_quadrant(
        workspace=cast.shop, filters=QuadrantFilters(store="A店", start=FEB.date(), end=FEB.date())
    )
    assert [p.label for p in only_feb.months] == ["2026-02"]


def test_drill_down_lists_the_texts_behind_a_point(cast):
    add_reviews(cast.shop, many(SERVICE_BAD, 3, when=FEB) + many(PRODUCT_GOOD, 2, when=FEB))
    texts = list_reviews(
        workspace=cast.shop,
        filters=ReviewFilters(axis="service", polarity="negative", month=FEB.date().replace(day=1)),
    )
    assert {r.text for r in texts} == {SERVICE_BAD}


def test_another_workspace_sees_nothing(cast):
    add_reviews(cast.shop, many(PRODUCT_GOOD, 40, when=JAN))
    found = get_quadrant(workspace=cast.other_shop, filters=QuadrantFilters())
    assert found.overall.product.mentions == 0 and found.months == []


def test_enriching_again_does_not_count_twice(cast):
    from xiaonuo.feedback import enrichment

    ids = add_reviews(cast.shop, many(PRODUCT_GOOD, 30, when=JAN) + many(SERVICE_BAD, 30, when=FEB))
    before = get_quadrant(workspace=cast.shop, filters=QuadrantFilters())
    enrichment.enrich_reviews(review_ids=ids, force=True)
    enrichment.enrich_reviews(review_ids=ids)  # nothing left to do
    after = get_quadrant(workspace=cast.shop, filters=QuadrantFilters())
    assert after.overall == before.overall
    assert after.overall.product.positive == 30 and after.overall.service.negative == 30
