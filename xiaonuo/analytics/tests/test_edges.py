"""Reports over awkward workspaces: empty, a single day, clocks in the future, people never
identified, and the command's CSV."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from xiaonuo.accounts.services import Actor
from xiaonuo.analytics import selectors
from xiaonuo.analytics.reports.common import Period
from xiaonuo.analytics.tests import data
from xiaonuo.analytics.tests.conftest import ENGINES
from xiaonuo.events import services as events_services
from xiaonuo.lib.errors import ServiceError

pytestmark = pytest.mark.django_db
SQL_ENGINES = [e for e in ENGINES if e != "spark"]


def track(workspace, *events):
    events_services.ingest_events(
        workspace=workspace,
        items=[
            events_services.IncomingEvent(
                type="track",
                event=name,
                user_id=user,
                anonymous_id=anonymous,
                timestamp=at,
                properties=props,
            )
            for user, anonymous, name, at, props in events
        ],
        actor=Actor(),
    )


def every_report(workspace, engine, as_of):
    common = {"workspace": workspace, "engine": engine, "as_of": as_of}
    return {
        "retention": selectors.get_retention(**common, period=Period.DAY),
        "lifecycle": selectors.get_lifecycle(**common, period=Period.DAY, days=3),
        "funnel": selectors.get_funnel(**common, steps=["浏览", "下单"]),
        "rfm": selectors.get_rfm(**common),
        "churn": selectors.get_churn_risk(**common),
        "clv": selectors.get_clv(**common),
    }


@pytest.mark.parametrize("engine", SQL_ENGINES)
def test_an_empty_workspace_gives_empty_reports(cast, engine):
    reports = every_report(cast.other_shop, engine, data.AS_OF)
    assert reports["retention"] == []
    assert reports["lifecycle"].periods == []
    assert [r.dau for r in reports["lifecycle"].active] == []
    assert [r.customers for r in reports["funnel"]] == [0, 0]
    assert reports["rfm"].customers == 0 and reports["rfm"].migrations == []
    assert reports["churn"].auc is None and reports["churn"].rows == []
    assert reports["clv"].summary.customers == 0 and reports["clv"].summary.clv is None


@pytest.mark.parametrize("engine", SQL_ENGINES)
def test_a_single_day_of_events(cast, engine):
    day = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    track(
        cast.shop,
        ("a", "", "浏览", day, {}),
        ("a", "", "下单", day + timedelta(hours=1), {"amount": 20}),
        ("b", "", "浏览", day + timedelta(hours=2), {}),
    )
    reports = every_report(cast.shop, engine, day + timedelta(hours=3))
    assert [(r.period, r.customers, r.retained) for r in reports["retention"]] == [(0, 2, 2)]
    assert [(r.new, r.returning) for r in reports["lifecycle"].periods] == [(2, 0)]
    assert [(r.dau, r.wau, r.mau) for r in reports["lifecycle"].active][-1] == (2, 2, 2)
    assert [r.customers for r in reports["funnel"]] == [2, 1]
    assert reports["rfm"].customers == 2
    assert reports["churn"].note == "not_enough_history"
    assert reports["clv"].summary.revenue == 20.0


@pytest.mark.parametrize("engine", SQL_ENGINES)
def test_future_events_and_people_never_identified_are_left_out(cast, engine):
    now = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
    track(
        cast.shop,
        ("a", "", "浏览", now - timedelta(days=1), {}),
        # Stamped after the report's moment (a device clock ahead): not counted yet.
        ("b", "", "浏览", now + timedelta(hours=5), {}),
        # An anonymous visitor nobody identified: not a customer.
        ("", "dev-x", "浏览", now - timedelta(days=1), {}),
    )
    rows = selectors.get_retention(workspace=cast.shop, period=Period.DAY, engine=engine, as_of=now)
    assert [(r.customers, r.period, r.retained) for r in rows] == [(1, 0, 1), (1, 1, 0)]


def test_an_unknown_engine_or_option_is_refused_with_a_code(cast):
    with pytest.raises(ServiceError) as unknown:
        selectors.get_retention(workspace=cast.shop, engine="oracle")
    assert unknown.value.code == "unknown_engine"
    with pytest.raises(ServiceError) as bad:
        selectors.get_funnel(workspace=cast.shop, steps=["一步"])
    assert bad.value.code == "invalid_parameter"
    with pytest.raises(ServiceError) as key:
        selectors.get_retention(
            workspace=cast.shop, breakdown=selectors.Breakdown.PROPERTY, property_key="x') --"
        )
    assert key.value.code == "invalid_parameter"


def test_the_command_writes_the_retention_csv(cast, tmp_path):
    data.make_history(cast.shop, tmp_path)
    out = tmp_path / "retention.csv"
    call_command(
        "analytics",
        "retention",
        "--workspace",
        "chayu",
        "--period",
        "week",
        "--as-of",
        data.AS_OF.isoformat(),
        "--out",
        str(out),
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "cohort,period,customers,retained,rate"
    expected = data.brute_retention(data.stored_events(cast.shop), "week")
    assert len(lines) == len(expected) + 1
    first = lines[1].split(",")
    assert (first[0], int(first[1]), int(first[2]), int(first[3])) == (
        str(expected[0][1]),
        expected[0][2],
        expected[0][3],
        expected[0][4],
    )


def test_the_command_names_an_unknown_workspace(cast):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No workspace"):
        call_command("analytics", "retention", "--workspace", "nope")


if "postgres" in ENGINES:

    def test_the_postgres_copy_of_the_lake_follows_erasure_and_new_files(cast, tmp_path):
        """An erased customer's lake file is rewritten under a new path: the copy drops the old
        rows and loads the new file; a later import is loaded too."""
        from xiaonuo.analytics.models import LakeCopyEvent
        from xiaonuo.customers import services as customers_services
        from xiaonuo.customers.models import Identity

        data.make_history(cast.shop, tmp_path, customers=12)
        before = selectors.get_retention(
            workspace=cast.shop, period=Period.MONTH, engine="postgres", as_of=data.AS_OF
        )
        u5 = Identity.objects.get(workspace=cast.shop, kind="external_id", value="u5")
        customers_services.erase_customer(
            workspace=cast.shop, customer_id=u5.customer_id, actor=Actor()
        )
        after = selectors.get_retention(
            workspace=cast.shop, period=Period.MONTH, engine="postgres", as_of=data.AS_OF
        )
        assert not LakeCopyEvent.objects.filter(customer_id=u5.customer_id).exists()
        assert sum(r.customers for r in after if r.period == 0) == (
            sum(r.customers for r in before if r.period == 0) - 1
        )
        assert after == selectors.get_retention(
            workspace=cast.shop, period=Period.MONTH, engine="duckdb", as_of=data.AS_OF
        )


def test_an_event_name_that_looks_like_the_compilers_placeholder_is_still_just_a_name(cast):
    from xiaonuo.analytics.engines import AS_OF_PLACEHOLDER

    now = datetime(2026, 11, 18, 2, 0, tzinfo=UTC)
    odd = f"活动 {AS_OF_PLACEHOLDER} 号"
    track(cast.shop, ("a", "", odd, now - timedelta(days=1), {}))
    rows = selectors.get_retention(
        workspace=cast.shop, period=Period.DAY, cohort_event=odd, engine="duckdb", as_of=now
    )
    assert [(r.customers, r.period, r.retained) for r in rows] == [(1, 0, 1), (1, 1, 0)]
