"""The nightly lifecycle stage: every customer's stage equals a brute-force Python reading of the
documented rules over the same stored events, survey answers and customer rows; only changed
rows are written; the rules are configurable per workspace and checked; other workspaces are
untouched."""

from collections import Counter, defaultdict
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from xiaonuo.analytics import lifecycle_stage
from xiaonuo.analytics.models import LifecycleRules
from xiaonuo.analytics.tests import data
from xiaonuo.customers.models import Customer
from xiaonuo.desk.surveys.models import Invitation, Response
from xiaonuo.lib.errors import ServiceError
from xiaonuo.testing import make_customer

pytestmark = pytest.mark.django_db
ENGINES = ["duckdb"] + (
    ["postgres"] if __import__("os").environ.get("DATABASE_URL", "").startswith("postgres") else []
)


def answer(workspace, customer, kind, score, at, n):
    invitation = Invitation.objects.create(
        workspace=workspace,
        kind=kind,
        customer=customer,
        period_key=f"p{n}" if kind == "nps" else "",
        status="answered",
        created_at=at,
        answered_at=at,
    )
    Response.objects.create(workspace=workspace, invitation=invitation, score=score, created_at=at)


@pytest.fixture
def shop(cast, tmp_path):
    workspace = cast.shop
    data.make_history(workspace, tmp_path, customers=60, days=160)
    customers = list(Customer.objects.filter(workspace=workspace).order_by("id"))
    for i, c in enumerate(customers):
        if i % 5 == 0:
            Customer.objects.filter(pk=c.pk).update(is_seed=True)
        if i % 3 == 0:
            answer(workspace, c, "nps", 9 + i % 2, data.AS_OF - timedelta(days=20), i)
        if i % 4 == 1:
            answer(workspace, c, "csat", 5, data.AS_OF - timedelta(days=10), i)
    # A few customers without events: one imported long ago, one just now.
    old = make_customer(workspace=workspace, name="老导入")
    Customer.objects.filter(pk=old.pk).update(created_at=data.AS_OF - timedelta(days=200))
    make_customer(workspace=workspace, name="刚注册")
    return workspace


def brute_stages(workspace, rules):
    events = data.stored_events(workspace)
    now = data.AS_OF
    per = defaultdict(list)
    for e in events:
        per[e.customer_id].append(e)
    latest = {}
    for r in Response.objects.filter(workspace=workspace).order_by("created_at", "id"):
        if r.created_at <= now:
            latest[(r.invitation.customer_id, r.invitation.kind)] = r.score
    promoters = {
        c
        for (c, kind), s in latest.items()
        if s >= (rules.fan_min_nps if kind == "nps" else rules.fan_min_csat)
    }
    stages = {}
    for c in Customer.objects.filter(workspace=workspace):
        mine = per[c.pk]
        first_seen = min([c.created_at] + [e.at for e in mine])
        last = max((e.at for e in mine), default=None)
        window = [e for e in mine if e.at > now - timedelta(days=rules.loyal_window_days)]
        purchases = sum(1 for e in window if e.name == rules.purchase_event)
        weeks = {data.period_start(data.local_date(e.at), "week") for e in window}
        loyal = (bool(rules.purchase_event) and purchases >= rules.loyal_min_purchases) or len(
            weeks
        ) >= rules.loyal_min_active_weeks
        referred = any(e.name == rules.referral_event for e in mine)
        if first_seen.timestamp() // 1 > (now - timedelta(days=rules.new_days)).timestamp():
            stage = "new"
        elif last is None or last <= now - timedelta(days=rules.active_days):
            quiet_since = last or first_seen
            stage = (
                "churned" if quiet_since <= now - timedelta(days=rules.churned_days) else "at_risk"
            )
        elif (
            loyal
            and c.pk in promoters
            and (referred or (c.is_seed and rules.seed_counts_as_ambassador))
        ):
            stage = "ambassador"
        elif loyal and c.pk in promoters:
            stage = "fan"
        elif loyal:
            stage = "loyal"
        else:
            stage = "active"
        stages[c.pk] = stage
    return stages


@pytest.mark.parametrize("engine", ENGINES)
def test_stages_match_the_rules_computed_by_hand(shop, engine):
    for rules in (
        LifecycleRules(workspace=shop),
        LifecycleRules(
            workspace=shop,
            new_days=7,
            active_days=10,
            churned_days=40,
            purchase_event="支付成功",
            loyal_min_purchases=4,
            loyal_min_active_weeks=6,
            loyal_window_days=60,
            referral_event="加入购物车",
            fan_min_nps=10,
            fan_min_csat=5,
        ),
    ):
        expected = brute_stages(shop, rules)
        run = lifecycle_stage.compute_stages(
            workspace=shop, rules=rules, engine=engine, as_of=data.AS_OF
        )
        assert run.after == Counter(expected.values())
        current = dict(Customer.objects.filter(workspace=shop).values_list("id", "lifecycle_stage"))
        moved = {c: s for c, s in expected.items() if current[c] != s}
        assert {c: s for s, ids in run.changes.items() for c in ids} == moved
    # The generated data reach every stage under one rule set or the other.
    assert len(set(expected.values())) >= 5


def test_a_run_writes_only_the_changed_rows_and_a_second_run_moves_nobody(shop, cast):
    other = make_customer(workspace=cast.other_shop, name="别家客户")
    run = lifecycle_stage.update_stages(workspace=shop, as_of=data.AS_OF)
    assert run.moving > 0 and run.written == run.moving
    stages = dict(Customer.objects.filter(workspace=shop).values_list("id", "lifecycle_stage"))
    assert stages == brute_stages(shop, LifecycleRules(workspace=shop))
    again = lifecycle_stage.update_stages(workspace=shop, as_of=data.AS_OF)
    assert again.moving == 0 and again.written == 0
    other.refresh_from_db()
    assert other.lifecycle_stage == "new"


def test_the_command_shows_counts_and_moves_and_dry_run_writes_nothing(shop):
    before = dict(Customer.objects.filter(workspace=shop).values_list("id", "lifecycle_stage"))
    out = StringIO()
    call_command(
        "analytics",
        "lifecycle-stage",
        "--workspace",
        shop.slug,
        "--dry-run",
        "--as-of",
        data.AS_OF.isoformat(),
        stdout=out,
    )
    text = out.getvalue()
    assert "dry run" in text and "would move" in text and "churned" in text
    assert (
        dict(Customer.objects.filter(workspace=shop).values_list("id", "lifecycle_stage")) == before
    )
    call_command(
        "analytics",
        "lifecycle-stage",
        "--workspace",
        shop.slug,
        "--as-of",
        data.AS_OF.isoformat(),
        stdout=out,
    )
    assert (
        dict(Customer.objects.filter(workspace=shop).values_list("id", "lifecycle_stage")) != before
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"active_days": 90, "churned_days": 90}, "churned_days"),
        ({"fan_min_nps": 11}, "fan_min_nps"),
        ({"fan_min_csat": 0}, "fan_min_csat"),
        ({"new_days": 0}, "new_days"),
        ({"loyal_window_days": 14, "loyal_min_active_weeks": 8}, "loyal_min_active_weeks"),
    ],
)
def test_rules_out_of_order_are_refused_and_nothing_is_saved(cast, values, field):
    with pytest.raises(ServiceError) as caught:
        lifecycle_stage.save_rules(workspace=cast.shop, values=values)
    assert caught.value.code == "lifecycle_rules_invalid"
    assert caught.value.details["field"] == field
    assert not LifecycleRules.objects.filter(workspace=cast.shop).exists()


def test_rules_are_per_workspace(cast):
    lifecycle_stage.save_rules(
        workspace=cast.shop, values={"new_days": 7, "purchase_event": "下单"}
    )
    assert lifecycle_stage.get_rules(workspace=cast.shop).new_days == 7
    assert lifecycle_stage.get_rules(workspace=cast.other_shop).new_days == 14
    # An empty workspace computes to nothing, without an error.
    empty = lifecycle_stage.compute_stages(workspace=cast.other_shop)
    assert empty.moving == 0 and sum(empty.after.values()) == 0
