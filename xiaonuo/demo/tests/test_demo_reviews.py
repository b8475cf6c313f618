"""The demo's reviews put the brand on the quadrant and moving, and one store's spike alerts."""

from datetime import datetime

import pytest
from django.utils import timezone

from xiaonuo.demo import reviews as reviews_demo
from xiaonuo.demo.services import PRODUCTS, STORES
from xiaonuo.feedback.models import Alert, Review
from xiaonuo.feedback.selectors import QuadrantFilters, get_quadrant

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 30, tzinfo=timezone.get_fixed_timezone(8 * 60))


def test_the_demo_reviews_show_a_place_a_movement_and_a_spike(cast):
    made = reviews_demo.create_demo_reviews(
        workspace=cast.shop,
        seed=1,
        now=NOW,
        stores=[store for stores in STORES.values() for store in stores],
        products=[name for name, *_ in PRODUCTS],
    )
    assert made == Review.objects.filter(workspace=cast.shop, enriched_at__isnull=False).count()
    brand = get_quadrant(workspace=cast.shop, filters=QuadrantFilters())
    months = [m for m in brand.months if m.plotted]
    assert len(months) >= 11
    assert months[-1].service.score > months[0].service.score + 30  # service improves
    store = get_quadrant(
        workspace=cast.shop, filters=QuadrantFilters(store=reviews_demo.SLIPPING_STORE)
    )
    plotted = [m for m in store.months if m.plotted]
    assert len(plotted) >= 10
    assert plotted[-1].product.score < plotted[0].product.score - 40  # the product slips there
    assert Alert.objects.filter(
        workspace=cast.shop, scope="store", scope_value=reviews_demo.SPIKE_STORE
    ).exists()
    # Deterministic: the same seed writes the same texts.
    first = Review.objects.filter(workspace=cast.shop).order_by("external_id").first()
    assert first is not None and first.external_id == "DEMO-000000"
