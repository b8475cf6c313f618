"""Each report equals a brute-force computation over the same stored events (lake + tail, merges
and anonymous ids applied, duplicates once, events after ``as_of`` left out), on every engine.

Spark is slow to start and to plan on two cores, so it gets one test that runs every report on
one history (``test_every_report_on_spark``); DuckDB and PostgreSQL get one test per report.
"""

from collections import defaultdict
from datetime import timedelta

import pytest

from xiaonuo.analytics import selectors
from xiaonuo.analytics.reports.common import Period
from xiaonuo.analytics.reports.costs import SpendLine
from xiaonuo.analytics.tests import data
from xiaonuo.analytics.tests.conftest import ENGINES

pytestmark = pytest.mark.django_db
SQL_ENGINES = [e for e in ENGINES if e != "spark"]


@pytest.fixture
def history(cast, tmp_path):
    data.make_history(cast.shop, tmp_path)
    return data.stored_events(cast.shop)


def retention_rows(workspace, engine, period, **options):
    rows = selectors.get_retention(
        workspace=workspace, period=Period(period), engine=engine, as_of=data.AS_OF, **options
    )
    return [(r.segment, r.cohort, r.period, r.customers, r.retained) for r in rows]


def check_retention(workspace, history, engine, periods=("day", "week", "month")):
    for period in periods:
        assert retention_rows(workspace, engine, period) == data.brute_retention(history, period)
    assert retention_rows(
        workspace, engine, "week", cohort_event="下单", return_event="支付成功"
    ) == data.brute_retention(history, "week", cohort_event="下单", return_event="支付成功")
    assert retention_rows(
        workspace, engine, "week", breakdown=selectors.Breakdown.PROPERTY, property_key="channel"
    ) == data.brute_retention(history, "week", segment_of=lambda c, e: e.properties["channel"])


def check_lifecycle(workspace, history, engine, periods=("day", "week", "month")):
    for period in periods:
        report = selectors.get_lifecycle(
            workspace=workspace, period=Period(period), days=40, engine=engine, as_of=data.AS_OF
        )
        got = [(r.period, r.new, r.returning, r.resurrecting, r.dormant) for r in report.periods]
        assert got == data.brute_lifecycle(history, period)
    got = [(r.day, r.dau, r.wau, r.mau) for r in report.active]
    assert got == data.brute_active(history, days=40)


def check_funnel(workspace, history, engine):
    for steps, window in (
        (["打开小程序", "加入购物车", "支付成功"], timedelta(days=7)),
        (["下单", "下单", "支付成功"], timedelta(hours=30)),
    ):
        rows = selectors.get_funnel(
            workspace=workspace,
            steps=steps,
            window_days=window.total_seconds() / 86400,
            engine=engine,
            as_of=data.AS_OF,
        )
        assert [r.customers for r in rows] == data.brute_funnel(history, steps, window)


def check_rfm(workspace, history, engine):
    expected = data.brute_rfm(history)
    got = selectors.list_rfm_customers(workspace=workspace, engine=engine, as_of=data.AS_OF)
    assert {
        r["customer_id"]: (
            r["recency"],
            r["frequency"],
            r["monetary_cents"],
            r["r"],
            r["f"],
            r["m"],
            r["segment"],
        )
        for r in got
    } == expected
    report = selectors.get_rfm(workspace=workspace, engine=engine, as_of=data.AS_OF)
    per_segment = defaultdict(int)
    for row in expected.values():
        per_segment[row[-1]] += 1
    assert {s["segment"]: s["customers"] for s in report.segments if s["customers"]} == dict(
        per_segment
    )
    before = data.brute_rfm(
        [e for e in history if e.at <= data.AS_OF - timedelta(days=30)],
        as_of=data.AS_OF - timedelta(days=30),
    )
    moves = defaultdict(int)
    for c, row in expected.items():
        if c in before and before[c][-1] != row[-1]:
            moves[(before[c][-1], row[-1])] += 1
    assert {(m["before"], m["segment"]): m["customers"] for m in report.migrations} == dict(moves)
    assert {a["customer_id"] for a in report.alerts} == {
        c
        for c, row in expected.items()
        if c in before
        and before[c][-1] in ("champions", "loyal")
        and row[-1] in ("at_risk", "cant_lose", "hibernating", "about_to_sleep")
    }


def check_clv(workspace, history, engine):
    report = selectors.get_clv(workspace=workspace, engine=engine, as_of=data.AS_OF)
    first: dict[int, object] = {}
    for e in sorted(history, key=lambda e: e.at):
        first.setdefault(e.customer_id, data.period_start(data.local_date(e.at), "month"))
    cents = defaultdict(int)
    for e in history:
        amount = data.amount_cents(e)
        if amount is not None:
            k = data.offset(first[e.customer_id], data.local_date(e.at), "month")
            cents[(first[e.customer_id], k)] += amount
    got = {(r.cohort, r.month): round(r.revenue * 100) for r in report.curve}
    assert {key: v for key, v in got.items() if v} == dict(cents)
    paid = [data.amount_cents(e) for e in history if data.amount_cents(e) is not None]
    assert report.summary.orders == len(paid)
    assert round(report.summary.revenue * 100) == sum(paid)
    assert report.summary.customers == len(first)


def check_costs(workspace, history, engine):
    since = data.local_date(data.AS_OF) - timedelta(days=30)
    first: dict[int, data.Ev] = {}
    for e in sorted(history, key=lambda e: (e.at, e.message_id)):
        first.setdefault(e.customer_id, e)
    wechat = sum(
        1
        for e in first.values()
        if e.properties["channel"] == "微信"
        and since <= data.local_date(e.at) <= data.local_date(data.AS_OF)
    )
    summary = selectors.get_costs(
        workspace=workspace,
        lines=[
            SpendLine("acquisition", "微信", 1200.0),
            SpendLine("retention", "回访电话", 100.0, customers=10),
        ],
        since=since,
        until=data.local_date(data.AS_OF),
        engine=engine,
        as_of=data.AS_OF,
    )
    assert summary.rows[0].customers == wechat
    assert summary.retention_cost == 10.0


CHECKS = [check_retention, check_lifecycle, check_funnel, check_rfm, check_clv, check_costs]


@pytest.mark.parametrize("engine", SQL_ENGINES)
@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_report_matches_brute_force(cast, history, engine, check):
    check(cast.shop, history, engine)


def test_every_report_on_spark(cast, history):
    # One period each for the two reports that have them (the others are exercised above):
    # Spark plans every query in about a second, so this test is kept to the essentials.
    check_retention(cast.shop, history, "spark", periods=("week",))
    check_lifecycle(cast.shop, history, "spark", periods=("week",))
    for check in CHECKS[2:]:
        check(cast.shop, history, "spark")
