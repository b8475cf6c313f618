"""Small generated workspaces for the analytics tests, and the brute-force reference.

``make_history`` stores events the ways production does: most history imported into the lake
(``xiaonuo events import``), recent events through the API's service into the tail, some of them
sent again after the import (same message id: one event), a merge (lake rows keep the merged id),
anonymous history identified later, and events after the report's ``as_of`` (a clock in the
future, as far as the report is concerned).

``stored_events`` reads everything back the plainest way (every tail row, every lake row) and
applies what readers must apply; the ``brute_*`` functions compute each report from that list
with loops and sets, as a person would check it by hand.
"""

import csv
import math
import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import Identity, IdentityKind, MergeRecord
from xiaonuo.events import lake, lake_import
from xiaonuo.events import services as events_services
from xiaonuo.events.models import Event

NAMES = ("打开小程序", "加入购物车", "下单", "支付成功")
CHANNELS = ("微信", "抖音", "小红书")
# A fixed "now" for reports: the data runs up to a few days past it.
AS_OF = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Ev:
    customer_id: int
    name: str
    at: datetime
    message_id: str
    properties: dict


def _rows(rng: random.Random, customers: int, days: int) -> list[dict]:
    rows = []
    for i in range(customers):
        start = rng.randrange(days)
        # Each customer has a rhythm: some come back often, some once, some fade out.
        rate = rng.choice((0.05, 0.15, 0.4, 0.8))
        for d in range(start, days + 3):
            if d != start and rng.random() > rate:
                continue
            for _ in range(rng.choice((1, 1, 2, 3))):
                name = rng.choice(NAMES)
                at = AS_OF - timedelta(days=days - d, seconds=rng.randrange(86_400))
                props = {"channel": CHANNELS[i % 3]}
                if name == "支付成功":
                    props["amount"] = round(rng.uniform(5, 300), 2)
                rows.append(
                    {
                        "user_id": f"u{i}",
                        "event": name,
                        "properties": props,
                        "timestamp": at,
                        "message_id": f"m-{len(rows)}",
                    }
                )
    return rows


def make_history(
    workspace: Workspace, tmp_path: Path, *, seed: int = 1, customers: int = 40, days: int = 70
) -> None:
    rng = random.Random(seed)
    rows = _rows(rng, customers, days)
    cut = AS_OF - timedelta(days=10)
    history = [r for r in rows if r["timestamp"] < cut]
    recent = [r for r in rows if r["timestamp"] >= cut]
    # Anonymous history of a visitor who signs in later as u0.
    history.append(
        {
            "user_id": "",
            "anonymous_id": "dev-anon",
            "event": "打开小程序",
            "properties": {"channel": "微信"},
            "timestamp": AS_OF - timedelta(days=days + 5),
            "message_id": "anon-1",
        }
    )
    path = tmp_path / f"history-{seed}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["type", "user_id", "anonymous_id", "event", "properties", "timestamp", "message_id"]
        )
        for r in history:
            w.writerow(
                [
                    "track",
                    r["user_id"],
                    r.get("anonymous_id", ""),
                    r["event"],
                    _json(r["properties"]),
                    r["timestamp"].isoformat(),
                    r["message_id"],
                ]
            )
    lake_import.import_event_file(workspace=workspace, path=path)
    # Some of the history is sent again through the API (same message ids), with the recent events.
    again = history[:: max(len(history) // 15, 1)][:15]
    sent = [r for r in again if r["user_id"]] + recent
    for start in range(0, len(sent), 500):
        events_services.ingest_events(
            workspace=workspace,
            items=[
                events_services.IncomingEvent(
                    type="track",
                    event=r["event"],
                    user_id=r["user_id"],
                    properties=r["properties"],
                    timestamp=r["timestamp"],
                    message_id=r["message_id"],
                )
                for r in sent[start : start + 500]
            ],
            actor=Actor(),
        )
    events_services.ingest_events(
        workspace=workspace,
        items=[
            events_services.IncomingEvent(
                type="identify",
                user_id="u0",
                anonymous_id="dev-anon",
                timestamp=AS_OF - timedelta(days=1),
            )
        ],
        actor=Actor(),
    )
    # u2 turns out to be u1: merged (the lake keeps u2's id; the tail moves to u1).
    ids = dict(
        Identity.objects.filter(
            workspace=workspace, kind=IdentityKind.EXTERNAL_ID, value__in=["u1", "u2"]
        ).values_list("value", "customer_id")
    )
    if "u1" in ids and "u2" in ids:
        customers_services.merge_customers(
            workspace=workspace, survivor_id=ids["u1"], merged_id=ids["u2"], actor=Actor()
        )


def _json(value: dict) -> str:
    import orjson

    return orjson.dumps(value).decode()


def stored_events(workspace: Workspace, *, as_of: datetime = AS_OF) -> list[Ev]:
    merges = dict(
        MergeRecord.objects.filter(workspace=workspace).values_list("merged_id", "survivor_id")
    )
    anonymous = dict(
        Identity.objects.filter(workspace=workspace, kind=IdentityKind.ANONYMOUS_ID).values_list(
            "value", "customer_id"
        )
    )
    seen: set[str] = set()
    out: list[Ev] = []
    everything = [
        (e.customer_id, e.anonymous_id, e.name, e.timestamp, e.message_id, e.properties, e.type)
        for e in Event.objects.filter(workspace=workspace)
    ] + [
        (e.customer_id, e.anonymous_id, e.name, e.timestamp, e.message_id, e.properties, e.type)
        for e in lake.all_events(workspace_id=workspace.pk)
    ]
    for customer, anon, name, at, message_id, props, kind in everything:
        if kind != "track" or message_id in seen:
            continue
        seen.add(message_id)
        if customer is None:
            customer = anonymous.get(anon)
        if customer is None or at > as_of:
            continue
        out.append(Ev(merges.get(customer, customer), name, at, message_id, props))
    return out


# --- Brute force ------------------------------------------------------------------------------

ZONE = ZoneInfo(str(settings.TIME_ZONE))


def local_date(at: datetime) -> date:
    return at.astimezone(ZONE).date()


def period_start(d: date, period: str) -> date:
    if period == "day":
        return d
    if period == "week":
        return d - timedelta(days=d.weekday())
    return d.replace(day=1)


def offset(a: date, b: date, period: str) -> int:
    if period == "day":
        return (b - a).days
    if period == "week":
        return (b - a).days // 7
    return (b.year - a.year) * 12 + b.month - a.month


def brute_retention(
    events: list[Ev],
    period: str,
    *,
    as_of: datetime = AS_OF,
    cohort_event=None,
    return_event=None,
    segment_of=None,
):
    firsts: dict[int, Ev] = {}
    for e in sorted(events, key=lambda e: (e.at, e.message_id)):
        if (cohort_event is None or e.name == cohort_event) and e.customer_id not in firsts:
            firsts[e.customer_id] = e
    active: dict[int, set[date]] = defaultdict(set)
    for e in events:
        if return_event is None or e.name == return_event:
            active[e.customer_id].add(period_start(local_date(e.at), period))
    last = period_start(local_date(as_of), period)
    cohorts: dict[tuple[str, date], list[int]] = defaultdict(list)
    for c, e in firsts.items():
        seg = segment_of(c, e) if segment_of else ""
        cohorts[(seg, period_start(local_date(e.at), period))].append(c)
    rows = []
    for (seg, start), members in sorted(cohorts.items()):
        for k in range(offset(start, last, period) + 1):
            n = sum(1 for c in members if any(offset(start, p, period) == k for p in active[c]))
            rows.append((seg, start, k, len(members), n))
    return rows


def brute_lifecycle(events: list[Ev], period: str, *, as_of: datetime = AS_OF):
    active: dict[date, set[int]] = defaultdict(set)
    for e in events:
        active[period_start(local_date(e.at), period)].add(e.customer_id)
    if not active:
        return []
    periods = sorted(active)
    last = period_start(local_date(as_of), period)
    seen: set[int] = set()
    rows = []
    p = periods[0]
    prev: set[int] = set()
    while p <= last:
        now = active.get(p, set())
        new = now - seen
        returning = (now & prev) - new
        resurrecting = now - new - returning
        dormant = prev - now
        rows.append((p, len(new), len(returning), len(resurrecting), len(dormant)))
        seen |= now
        prev = now
        p = _next(p, period)
    return rows


def _next(p: date, period: str) -> date:
    if period == "day":
        return p + timedelta(days=1)
    if period == "week":
        return p + timedelta(days=7)
    return (p.replace(day=28) + timedelta(days=4)).replace(day=1)


def brute_active(events: list[Ev], *, days: int, as_of: datetime = AS_OF):
    by_day: dict[date, set[int]] = defaultdict(set)
    for e in events:
        by_day[local_date(e.at)].add(e.customer_id)
    last = local_date(as_of)
    rows = []
    for i in range(days - 1, -1, -1):
        d = last - timedelta(days=i)
        dau = len(by_day.get(d, set()))
        wau = len(set().union(*(by_day.get(d - timedelta(days=j), set()) for j in range(7))))
        mau = len(set().union(*(by_day.get(d - timedelta(days=j), set()) for j in range(30))))
        rows.append((d, dau, wau, mau))
    return rows


def brute_funnel(events: list[Ev], steps: list[str], window: timedelta):
    per: dict[int, list[Ev]] = defaultdict(list)
    for e in events:
        per[e.customer_id].append(e)
    counts = [0] * len(steps)
    for evs in per.values():
        evs.sort(key=lambda e: int(e.at.timestamp()))
        entries = [e for e in evs if e.name == steps[0]]
        if not entries:
            continue
        t0 = int(entries[0].at.timestamp())
        at = t0
        counts[0] += 1
        for i in range(1, len(steps)):
            nxt = [
                int(e.at.timestamp())
                for e in evs
                if e.name == steps[i]
                and (
                    int(e.at.timestamp()) > at
                    if steps[i] == steps[i - 1]
                    else int(e.at.timestamp()) >= at
                )
                and int(e.at.timestamp()) <= t0 + int(window.total_seconds())
            ]
            if not nxt:
                break
            at = min(nxt)
            counts[i] += 1
    return counts


def _score(values: dict[int, float], better_is_lower: bool) -> dict[int, int]:
    n = len(values)
    out = {}
    for c, v in values.items():
        k = sum(1 for w in values.values() if (w >= v if better_is_lower else w <= v))
        out[c] = math.ceil(5 * k / n)
    return out


def amount_cents(e: Ev) -> int | None:
    value = e.properties.get("amount")
    return None if value is None else int(round(float(value) * 100))


def brute_rfm(events: list[Ev], *, as_of: datetime = AS_OF, event=None):
    from xiaonuo.analytics.reports.rfm import segment_of

    last: dict[int, date] = {}
    freq: dict[int, int] = defaultdict(int)
    money: dict[int, int] = defaultdict(int)
    for e in events:
        if event and e.name != event:
            continue
        d = local_date(e.at)
        last[e.customer_id] = max(last.get(e.customer_id, d), d)
        freq[e.customer_id] += 1
        money[e.customer_id] += amount_cents(e) or 0
    today = local_date(as_of)
    recency = {c: (today - d).days for c, d in last.items()}
    r, f, m = _score(recency, True), _score(dict(freq), False), _score(dict(money), False)
    return {
        c: (recency[c], freq[c], money[c], r[c], f[c], m[c], segment_of(r[c], f[c])) for c in last
    }
