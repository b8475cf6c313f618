"""Measure the SLA job, ``sla_states`` and the report at the reference scale (200k tickets).

Run against a THROWAWAY database (it adds a workspace of bulk-created tickets)::

    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/xiaonuo_sla_bench
    .venv/bin/python manage.py migrate
    PYTHONPATH=. .venv/bin/python xiaonuo/desk/sla/tests/bench_sla.py 200000 0.05

Arguments: the number of tickets and the share of them that is active (open, pending, on hold).
Rows are written with ``bulk_create`` (the services would take hours at this size); each ticket
gets the status history the services would have written.
"""

import os
import random
import sys
import time
from datetime import timedelta
from typing import Any

import django

BATCH = 5000


def build(n: int, active_share: float) -> Any:
    from django.db import connection
    from django.utils import timezone

    from xiaonuo.accounts import services as accounts_services
    from xiaonuo.channels import services as channels_services
    from xiaonuo.customers import services as customers_services
    from xiaonuo.customers.services import CustomerChanges
    from xiaonuo.desk.models import Conversation, Ticket, TicketChange

    rnd = random.Random(7)  # noqa: S311 - test data
    ws = accounts_services.create_workspace(slug=f"bench-{int(time.time())}", name="bench")
    channel = channels_services.create_channel(workspace=ws, kind="web_widget", name="w")
    customer = customers_services.create_customer(workspace=ws, changes=CustomerChanges(name="c"))
    conv = Conversation.objects.create(workspace=ws, channel=channel, customer=customer)
    now = timezone.now()
    for start in range(0, n, BATCH):
        rows = []
        for _ in range(start, min(n, start + BATCH)):
            active = rnd.random() < active_share
            age = rnd.randint(1, 60 * 48 if active else 60 * 24 * 180)
            created = now - timedelta(minutes=age)
            status = rnd.choice(["open", "pending", "on_hold"]) if active else "closed"
            answered = created + timedelta(minutes=rnd.randint(1, 120))
            rows.append(
                Ticket(
                    workspace=ws,
                    customer=customer,
                    conversation=conv,
                    channel=channel,
                    status=status,
                    priority=rnd.choice([1, 2, 2, 3, 4]),
                    last_activity_at=created,
                    first_response_at=answered if status != "open" else None,
                    solved_at=created + timedelta(hours=rnd.randint(1, 48))
                    if status == "closed"
                    else None,
                )
            )
        Ticket.objects.bulk_create(rows)
    with connection.cursor() as cursor:  # auto_now_add wrote "now"; creation is the activity
        cursor.execute(
            "UPDATE desk_ticket SET created_at = last_activity_at WHERE workspace_id = %s", [ws.pk]
        )
    changes: list[TicketChange] = []

    def change(ticket: dict[str, Any], old: str, new: str, at: Any) -> None:
        changes.append(
            TicketChange(
                workspace=ws,
                ticket_id=ticket["pk"],
                actor_kind="system",
                field="status",
                old_value=old,
                new_value=new,
                created_at=at,
            )
        )

    tickets = Ticket.objects.filter(workspace=ws).values("pk", "created_at", "status", "solved_at")
    for t in tickets.iterator():
        change(t, "", "open", t["created_at"])
        if t["status"] in ("pending", "on_hold"):
            change(t, "open", t["status"], t["created_at"] + timedelta(minutes=30))
        if t["status"] == "closed":
            change(t, "open", "solved", t["solved_at"])
            change(t, "solved", "closed", t["solved_at"] + timedelta(days=4))
        if len(changes) >= BATCH:
            TicketChange.objects.bulk_create(changes)
            changes.clear()
    TicketChange.objects.bulk_create(changes)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return ws


def measure(ws: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from xiaonuo.desk.models import Ticket, TicketChange
    from xiaonuo.desk.sla import selectors as sla_selectors
    from xiaonuo.desk.sla import services as sla_services
    from xiaonuo.desk.sla.services import PolicyInput

    active = Ticket.objects.filter(workspace=ws, status__in=["open", "pending", "on_hold"])
    print(
        f"{Ticket.objects.filter(workspace=ws).count()} tickets ({active.count()} active), "
        f"{TicketChange.objects.filter(workspace=ws).count()} status changes [{connection.vendor}]"
    )
    office = sla_services.create_calendar(workspace=ws, name="office")
    sla_services.create_policy(
        workspace=ws,
        data=PolicyInput(
            name="default",
            first_response_minutes=60,
            resolution_minutes=8 * 60,
            calendar_id=office.pk,
            warn_percent=80,
        ),
    )
    sla_services.create_policy(
        workspace=ws,
        data=PolicyInput(
            name="urgent",
            priority=4,
            first_response_minutes=15,
            resolution_minutes=120,
            clock="calendar",
            warn_minutes_before=5,
        ),
    )
    for label in ("first run", "second run (nothing new)", "third run (nothing new)"):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            result = sla_services.record_sla_events(workspace=ws)
        print(
            f"record_sla_events {label}: {time.perf_counter() - started:.2f} s, "
            f"{len(queries)} queries, warnings={result.warnings} breaches={result.breaches} "
            f"met={result.met}"
        )
    ids = list(active.order_by("-last_activity_at").values_list("pk", flat=True)[:50])
    times = []
    for _ in range(50):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            sla_selectors.sla_states(workspace=ws, ticket_ids=ids)
        times.append(time.perf_counter() - started)
    times.sort()
    print(
        f"sla_states(50 tickets): {len(queries)} queries, p50 {times[25] * 1000:.1f} ms, "
        f"p95 {times[47] * 1000:.1f} ms"
    )
    today = timezone.localdate()
    started = time.perf_counter()
    report = sla_selectors.get_report(
        workspace=ws, start=today - timedelta(days=180), end=today, period="week"
    )
    outcomes = report.total.first_total + report.total.resolution_total
    print(
        f"get_report 180 days by week: {(time.perf_counter() - started) * 1000:.0f} ms, {outcomes} outcomes"
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiaonuo.settings")
    django.setup()
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    share = float(sys.argv[2]) if len(sys.argv) > 2 else 0.05
    measure(build(size, share))
