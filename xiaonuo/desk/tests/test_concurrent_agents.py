"""Two agents acting on the same ticket at once — assign, reply, the customer writing back, solve,
reopen — from two real OS processes on the suite's database (PostgreSQL in CI's second pass,
SQLite in the first): the ticket is never corrupted.

"Corrupted" is checked as what a reader of the ticket would notice: a reply lost or stored twice,
a history whose lines do not follow on from each other (the mark of a lost update: two writers
both starting from the same old value), a ticket whose status or assignee is not what its
history ends with, or timestamps that contradict the status.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from xiaonuo.accounts.permissions import Role
from xiaonuo.accounts.tests.processes import REPO, child_env, database_url, wait_for
from xiaonuo.desk.models import Message, MessageKind, Ticket, TicketChange, TicketStatus
from xiaonuo.testing import make_staff, receive

ROUNDS = 25
EXPECTED_REFUSALS = {"transition_not_allowed"}


def _chain_is_unbroken(rows: list[tuple[str, str]]) -> None:
    for (_, before_new), (old, new) in zip(rows, rows[1:], strict=False):
        assert old == before_new, f"history broken: …→{before_new!r} then {old!r}→{new!r}"


@pytest.mark.django_db(transaction=True)
def test_two_agents_working_one_ticket_at_once_never_corrupt_it(cast, tmp_path: Path):
    # Given a customer's ticket and two supervisors who may both take it
    got = receive(workspace=cast.shop, identities={"external_id": "race"}, text="加急！")
    second = make_staff(workspace=cast.shop, role=Role.ADMIN, display_name="周主管")
    connection.close()  # the children need the database to themselves between our queries
    env = child_env(tmp_path, DATABASE_URL=database_url())
    children = []
    for name, user in (("wang", cast.owner), ("zhou", second)):
        plan = {
            "workspace_id": cast.shop.pk,
            "ticket_id": got.ticket.pk,
            "conversation_id": got.conversation.pk,
            "channel_id": got.conversation.channel_id,
            "user_id": user.pk,
            "name": name,
            "rounds": ROUNDS,
            "out": str(tmp_path / f"{name}.jsonl"),
            "ready": str(tmp_path / f"{name}.ready"),
            "go": str(tmp_path / "go"),
        }
        (tmp_path / f"{name}.json").write_text(json.dumps(plan))
        log = (tmp_path / f"{name}.log").open("wb")
        children.append(
            (
                name,
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "xiaonuo.desk.tests.race_agent",
                        str(tmp_path / f"{name}.json"),
                    ],
                    env=env,
                    cwd=REPO,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ),
            )
        )

    # When both start at the same moment
    wait_for(
        lambda: all(
            (tmp_path / f"{n}.ready").exists() or p.poll() is not None for n, p in children
        ),
        timeout=60,
        what="both agent processes to start",
    )
    (tmp_path / "go").touch()
    for name, process in children:
        try:
            code = process.wait(timeout=240)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        assert code == 0, (
            f"{name} exited with {code}:\n{(tmp_path / f'{name}.log').read_text()[-4000:]}"
        )

    # Then every operation either happened or was refused for a reason the desk states …
    outcomes = [
        json.loads(line)
        for name, _ in children
        for line in (tmp_path / f"{name}.jsonl").read_text().splitlines()
    ]
    assert len(outcomes) == 2 * ROUNDS * 5
    assert {o["error"] for o in outcomes if "error" in o} <= EXPECTED_REFUSALS
    # … each reply and customer message is stored exactly once, nothing else was added …
    replies = {o["message_id"]: o["text"] for o in outcomes if o["op"] == "reply" and "ok" in o}
    customer_ids = {o["message_id"] for o in outcomes if o["op"] == "customer" and "ok" in o}
    assert len(replies) == 2 * ROUNDS
    assert len(customer_ids) == 2 * ROUNDS
    stored = dict(
        Message.objects.filter(ticket_id=got.ticket.pk, kind=MessageKind.OUTBOUND).values_list(
            "pk", "text"
        )
    )
    assert stored == replies
    inbound = set(
        Message.objects.filter(ticket_id=got.ticket.pk, kind=MessageKind.INBOUND).values_list(
            "pk", flat=True
        )
    )
    assert inbound == customer_ids | {got.message.pk}
    # … and the history reads as one sequence of changes, ending where the ticket is
    ticket = Ticket.objects.get(pk=got.ticket.pk)
    for field, current in (
        ("status", ticket.status),
        ("assignee", "" if ticket.assignee_id is None else str(ticket.assignee_id)),
    ):
        rows = list(
            TicketChange.objects.filter(ticket=ticket, field=field)
            .order_by("id")
            .values_list("old_value", "new_value")
        )
        assert rows, field
        _chain_is_unbroken(rows)
        assert rows[-1][1] == current
    assert ticket.assignee_id in (cast.owner.pk, second.pk)
    # … and the timestamps agree with the status it ended in
    assert (ticket.status == TicketStatus.OPEN) == (ticket.waiting_since is not None)
    assert (ticket.solved_at is not None) == (ticket.status == TicketStatus.SOLVED)
    assert ticket.first_response_at is not None
