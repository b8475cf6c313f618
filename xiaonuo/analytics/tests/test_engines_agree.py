"""Each report equals a brute-force computation over the same stored events, on every engine."""

from datetime import timedelta

import pytest

from xiaonuo.analytics import selectors
from xiaonuo.analytics.reports.common import Period
from xiaonuo.analytics.tests import data

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(cast, tmp_path):
    data.make_history(cast.shop, tmp_path)
    return data.stored_events(cast.shop)


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_retention_matches_brute_force(cast, history, engine, period):
    rows = selectors.get_retention(
        workspace=cast.shop, period=Period(period), engine=engine, as_of=data.AS_OF
    )
    got = [(r.segment, r.cohort, r.period, r.customers, r.retained) for r in rows]
    assert got == data.brute_retention(history, period)
