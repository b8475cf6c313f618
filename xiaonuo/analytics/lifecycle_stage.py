"""Every customer's lifecycle stage, kept up to date from behaviour
(docs/decisions/0018-segments-and-lifecycle-stage.md).

The rules, with each workspace's thresholds (``LifecycleRules``; defaults in brackets). At the
moment of the run, the first rule that holds gives the stage:

1. **new** — first seen (created, or first event if earlier) within ``new_days`` [14].
2. **churned** — no event within ``active_days`` [30] and the last event (or, without any, the
   day first seen) is more than ``churned_days`` [90] ago.
3. **at_risk** — no event within ``active_days`` (so: was seen, then went quiet for 30–90 days).
4. **ambassador** — a *fan* who brought someone (did ``referral_event`` [referral_signup] ever)
   or is a seed user (when ``seed_counts_as_ambassador`` [yes]).
5. **fan** — a *loyal* customer whose latest NPS answer is ≥ ``fan_min_nps`` [9, a promoter] or
   whose latest CSAT answer is ≥ ``fan_min_csat`` [5].
6. **loyal** — within ``loyal_window_days`` [90]: at least ``loyal_min_purchases`` [3]
   ``purchase_event`` (when one is named) or events in at least ``loyal_min_active_weeks`` [8]
   different weeks.
7. **active** — everyone else (an event within ``active_days``).

Per-customer activity (first and last event, purchases and active weeks in the window, whether
they referred someone) is one Ibis expression on the analytics engine over the lake plus the
tail; the rules then run in DuckDB over Arrow tables of the activity, the customers and the
survey answers; only customers whose stage changes are written back
(``customers.services.set_lifecycle_stages``). The churn-risk score is not used: its model needs
a history the small workspaces this default must fit do not have.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import ibis
import numpy as np
import pyarrow as pa
from django.db import connection

from xiaonuo.accounts.models import Workspace
from xiaonuo.analytics import engines, sources
from xiaonuo.analytics.exceptions import AnalyticsError
from xiaonuo.analytics.models import LifecycleRules
from xiaonuo.analytics.reports.common import events
from xiaonuo.analytics.selectors import Moment
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import Customer, LifecycleStage
from xiaonuo.desk.surveys.models import Response, SurveyKind
from xiaonuo.events import lake
from xiaonuo.lib.errors import ServiceError

DAY = 86400
STAGE_ORDER = [s.value for s in LifecycleStage]
RULE_FIELDS = (
    "new_days",
    "active_days",
    "churned_days",
    "loyal_window_days",
    "purchase_event",
    "loyal_min_purchases",
    "loyal_min_active_weeks",
    "fan_min_nps",
    "fan_min_csat",
    "referral_event",
    "seed_counts_as_ambassador",
)


# --- Rules --------------------------------------------------------------------------------------


def get_rules(*, workspace: Workspace) -> LifecycleRules:
    """The workspace's rules; the defaults (unsaved) when it never changed them."""
    return LifecycleRules.objects.filter(workspace=workspace).first() or LifecycleRules(
        workspace=workspace
    )


def check_rules(rules: LifecycleRules) -> None:
    def invalid(message: str, name: str) -> ServiceError:
        return ServiceError(AnalyticsError.LIFECYCLE_RULES_INVALID, message, field=name)

    for name in ("new_days", "active_days", "churned_days", "loyal_window_days"):
        if not 1 <= getattr(rules, name) <= 3660:
            raise invalid(f"{name} must be between 1 and 3660 days", name)
    if rules.active_days >= rules.churned_days:
        raise invalid("churned_days must be more than active_days", "churned_days")
    if not 0 <= rules.fan_min_nps <= 10:
        raise invalid("fan_min_nps is an NPS score, 0–10", "fan_min_nps")
    if not 1 <= rules.fan_min_csat <= 5:
        raise invalid("fan_min_csat is a CSAT score, 1–5", "fan_min_csat")
    if rules.loyal_min_active_weeks > rules.loyal_window_days // 7 + 1:
        raise invalid(
            "loyal_min_active_weeks cannot exceed the weeks in loyal_window_days",
            "loyal_min_active_weeks",
        )


def save_rules(*, workspace: Workspace, values: dict[str, Any]) -> LifecycleRules:
    rules = get_rules(workspace=workspace)
    for name in RULE_FIELDS:
        if name in values:
            value = values[name]
            setattr(rules, name, value.strip() if isinstance(value, str) else value)
    check_rules(rules)
    rules.save()
    return rules


# --- Computing the stages -----------------------------------------------------------------------


def _activity(inputs: sources.Inputs, rules: LifecycleRules, moment: Moment) -> ibis.Expr:
    t = events(inputs, as_of_ts=moment.ts)
    window = t.ts > moment.ts - rules.loyal_window_days * DAY
    purchase = window & (t.name == rules.purchase_event) if rules.purchase_event else None
    referral = t.name == rules.referral_event if rules.referral_event else None
    per = t.group_by("customer_id").agg(
        first_ts=t.ts.min(),
        last_ts=t.ts.max(),
        purchases=t.count(where=purchase) if purchase is not None else ibis.literal(0),
        referrals=t.count(where=referral) if referral is not None else ibis.literal(0),
    )
    # Active weeks in two steps (distinct customer-weeks, then a count): a filtered distinct
    # count inside the aggregate above costs several times more on DuckDB.
    recent = t.filter(window)
    weeks = (
        recent.select(week_customer=recent.customer_id, week=(recent.day + 3) // 7)
        .distinct()
        .group_by("week_customer")
        .agg(active_weeks=ibis._.count())
    )
    joined = per.left_join(weeks, per.customer_id == weeks.week_customer)
    return joined.select(
        "customer_id",
        "first_ts",
        "last_ts",
        "purchases",
        "referrals",
        active_weeks=joined.active_weeks.fill_null(0),
    )


def _customers(workspace: Workspace) -> pa.Table:
    """id, created_ts, is_seed, stage of every customer. Each column comes back as one string
    (the values joined with commas, in the same row order) and is parsed by numpy: a million
    rows as Python tuples cost seconds."""
    table = Customer._meta.db_table
    if connection.vendor == "postgresql":
        created = "CAST(extract(epoch FROM created_at) AS bigint)"
        joined = [
            f"string_agg({c}::text, ',' ORDER BY id)"
            for c in ("id", created, "CAST(is_seed AS int)", "lifecycle_stage")
        ]
    else:
        created = "CAST(strftime('%%s', created_at) AS integer)"
        joined = [f"group_concat({c})" for c in ("id", created, "is_seed", "lifecycle_stage")]
    sql = f"SELECT {', '.join(joined)} FROM {table} WHERE workspace_id = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace.pk])
        row = cursor.fetchone()
    ids, created_ts, seed, stage = row if row and row[0] else ("", "", "", "")

    def numbers(text: str) -> np.ndarray:
        return np.fromstring(text, dtype=np.int64, sep=",") if text else np.zeros(0, np.int64)

    return pa.table(
        {
            "id": numbers(ids),
            "created_ts": numbers(created_ts),
            "is_seed": numbers(seed).astype(bool),
            "stage": pa.array(stage.split(",") if stage else [], pa.string()),
        }
    )


def _promoters(workspace: Workspace, rules: LifecycleRules, moment: Moment) -> pa.Table:
    """Customers whose latest NPS or latest CSAT answer (up to the moment) is a promoter's."""
    latest: dict[tuple[int, str], int] = {}
    answers = (
        Response.objects.filter(
            workspace=workspace,
            score__isnull=False,
            invitation__kind__in=[SurveyKind.NPS, SurveyKind.CSAT],
            created_at__lte=moment.at,
        )
        .order_by("created_at", "id")
        .values_list("invitation__customer_id", "invitation__kind", "score")
    )
    for customer_id, kind, score in answers:
        latest[(customer_id, kind)] = score or 0
    ids = sorted(
        {
            customer_id
            for (customer_id, kind), score in latest.items()
            if score >= (rules.fan_min_nps if kind == SurveyKind.NPS else rules.fan_min_csat)
        }
    )
    return pa.table({"promoter_id": pa.array(ids, pa.int64())})


_STAGE_SQL = """
SELECT c.id, c.stage AS before,
  CASE
    WHEN least(c.created_ts, coalesce(a.first_ts, c.created_ts)) > $now - $new_days * 86400
      THEN 'new'
    WHEN coalesce(a.last_ts, -1) <= $now - $active_days * 86400 THEN
      CASE WHEN coalesce(a.last_ts, least(c.created_ts, coalesce(a.first_ts, c.created_ts)))
                <= $now - $churned_days * 86400
           THEN 'churned' ELSE 'at_risk' END
    WHEN loyal AND p.promoter_id IS NOT NULL
         AND (coalesce(a.referrals, 0) > 0 OR (c.is_seed AND $seed_ok)) THEN 'ambassador'
    WHEN loyal AND p.promoter_id IS NOT NULL THEN 'fan'
    WHEN loyal THEN 'loyal'
    ELSE 'active'
  END AS after
FROM xn_customers c
LEFT JOIN (
  SELECT *, ($has_purchase AND purchases >= $min_purchases) OR active_weeks >= $min_weeks AS loyal
  FROM xn_activity
) a ON a.customer_id = c.id
LEFT JOIN xn_promoters p ON p.promoter_id = c.id
"""


@dataclass
class StageRun:
    """What a run found: customers per stage before and after, and who moves where."""

    before: Counter[str] = field(default_factory=Counter)
    after: Counter[str] = field(default_factory=Counter)
    moves: Counter[tuple[str, str]] = field(default_factory=Counter)
    changes: dict[str, list[int]] = field(default_factory=dict)  # new stage → customer ids
    written: int = 0

    @property
    def moving(self) -> int:
        return sum(self.moves.values())


def compute_stages(
    *,
    workspace: Workspace,
    rules: LifecycleRules | None = None,
    engine: str | None = None,
    as_of: datetime | None = None,
) -> StageRun:
    rules = rules or get_rules(workspace=workspace)
    check_rules(rules)
    moment = Moment.of(as_of)
    name = engines.resolve(engine)
    inputs = sources.gather(
        workspace=workspace, columns=sources.Columns(), tail_as_arrow=name != "postgres"
    )
    (activity,) = engines.run_all(name, inputs, [_activity(inputs, rules, moment)])
    con = lake.new_connection()
    try:
        con.register("xn_activity", activity)
        con.register("xn_customers", _customers(workspace))
        con.register("xn_promoters", _promoters(workspace, rules, moment))
        con.sql(
            _STAGE_SQL,
            params={
                "now": moment.ts,
                "new_days": rules.new_days,
                "active_days": rules.active_days,
                "churned_days": rules.churned_days,
                "seed_ok": rules.seed_counts_as_ambassador,
                "has_purchase": bool(rules.purchase_event),
                "min_purchases": rules.loyal_min_purchases,
                "min_weeks": rules.loyal_min_active_weeks,
            },
        ).to_table("xn_stages")
        # Counted and grouped where the rows are; Python sees only the totals and movers.
        pairs = con.sql("SELECT before, after, count(*) FROM xn_stages GROUP BY ALL").fetchall()
        movers = con.sql(
            "SELECT after, list(id ORDER BY id) FROM xn_stages WHERE before <> after GROUP BY after"
        ).fetchall()
    finally:
        con.close()
    run = StageRun()
    for was, now, n in pairs:
        run.before[was] += n
        run.after[now] += n
        if was != now:
            run.moves[(was, now)] += n
    run.changes = {stage: list(ids) for stage, ids in movers}
    return run


def update_stages(
    *,
    workspace: Workspace,
    dry_run: bool = False,
    engine: str | None = None,
    as_of: datetime | None = None,
) -> StageRun:
    """Compute every customer's stage and write the changed ones (unless ``dry_run``)."""
    run = compute_stages(workspace=workspace, engine=engine, as_of=as_of)
    if not dry_run and run.changes:
        run.written = customers_services.set_lifecycle_stages(
            workspace=workspace, stages=run.changes
        )
    return run
