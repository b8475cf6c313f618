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
from xiaonuo.customers.models import Customer

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


def label_customers(workspace):
    """u3 and u5 are seed users; u4 complained and was won back, u6 complained and was not,
    u7's complaint is still open (outcome unknown)."""
    from xiaonuo.accounts.services import Actor
    from xiaonuo.customers import services as customers_services
    from xiaonuo.customers.models import Identity
    from xiaonuo.desk import services as desk_services
    from xiaonuo.testing import make_complaint

    ids = dict(
        Identity.objects.filter(workspace=workspace, kind="external_id").values_list(
            "value", "customer_id"
        )
    )
    for user in ("u3", "u5"):
        customers_services.update_customer(
            workspace=workspace,
            customer_id=ids[user],
            changes=customers_services.CustomerChanges(is_seed=True),
        )
    for user, won_back in (("u4", True), ("u6", False), ("u7", None)):
        complaint = make_complaint(workspace=workspace, customer=Customer.objects.get(pk=ids[user]))
        if won_back is not None:
            desk_services.resolve_complaint(
                workspace=workspace, complaint_id=complaint.pk, resolution="已补发", actor=Actor()
            )
            desk_services.record_recovery(
                workspace=workspace,
                complaint_id=complaint.pk,
                actor=Actor(),
                satisfied_afterwards=won_back,
            )
    # u8 rated the service 2 then 5 (the latest counts), u9 rated 3.
    from xiaonuo.desk.surveys.links import make_token
    from xiaonuo.desk.surveys.tests.helpers import answer, configure, csat_invitation, solved_ticket

    configure(workspace)
    for user, scores in (("u8", (2, 5)), ("u9", (3,))):
        for score in scores:
            ticket = solved_ticket(workspace, identities={"external_id": user})
            answer(make_token(csat_invitation(workspace, ticket)), score=score)
    return {
        "csat": {ids["u8"]: "csat_high", ids["u9"]: "csat_neutral"},
        "seed": {ids["u3"]: "seed", ids["u5"]: "seed"},
        "complaint": {ids["u4"]: "recovered", ids["u6"]: "not_recovered", ids["u7"]: "pending"},
    }


def check_breakdowns(workspace, history, engine):
    labels = label_customers(workspace)
    for breakdown, default in (("seed", "regular"), ("complaint", "none"), ("csat", "no_csat")):
        for period in ("week", "day"):  # the bit-set path and the general one
            assert retention_rows(
                workspace, engine, period, breakdown=selectors.Breakdown(breakdown)
            ) == data.brute_retention(
                history, period, segment_of=lambda c, e, b=breakdown, d=default: labels[b].get(c, d)
            )


CHECKS = [
    check_retention,
    check_breakdowns,
    check_lifecycle,
    check_funnel,
    check_rfm,
    check_clv,
    check_costs,
]


@pytest.mark.parametrize("engine", SQL_ENGINES)
@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
def test_report_matches_brute_force(cast, history, engine, check):
    check(cast.shop, history, engine)


def test_every_report_on_spark(cast, history):
    # One period each for the two reports that have them (the others are exercised above):
    # Spark plans every query in about a second, so this test is kept to the essentials.
    check_retention(cast.shop, history, "spark", periods=("week",))
    check_lifecycle(cast.shop, history, "spark", periods=("week",))
    check_breakdowns(cast.shop, history, "spark")
    for check in CHECKS[3:]:
        check(cast.shop, history, "spark")
