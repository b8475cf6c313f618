"""One agent working a ticket as fast as possible, run as its own OS process by
``test_concurrent_agents.py``: ``python -m xiaonuo.desk.tests.race_agent <plan.json>``.

Each round: take the ticket, reply, the customer writes back, solve, reopen. Every outcome is
written to the plan's ``out`` file as one JSON line, so the test can check the ticket against
what each process says it did.
"""

import json
import sys
import time
from pathlib import Path
from typing import IO, Any


def main(plan_path: str) -> int:
    plan = json.loads(Path(plan_path).read_text())
    import django

    django.setup()
    from django.db import connection

    from xiaonuo.accounts.models import User, Workspace

    workspace = Workspace.objects.get(pk=plan["workspace_id"])
    me = User.objects.get(pk=plan["user_id"])
    with Path(plan["out"]).open("w") as out:
        code = _work(plan, workspace, me, out)
    connection.close()
    return code


def _work(plan: dict[str, Any], workspace: Any, me: Any, out: IO[str]) -> int:
    from xiaonuo.accounts.services import Actor
    from xiaonuo.channels.inbound import InboundMessage
    from xiaonuo.desk import services as desk_services
    from xiaonuo.lib.errors import ServiceError

    actor = Actor(user=me)
    ticket_id, name = plan["ticket_id"], plan["name"]
    Path(plan["ready"]).touch()
    deadline = time.monotonic() + 60
    while not Path(plan["go"]).exists():  # both processes start together
        if time.monotonic() > deadline:
            return 3
        time.sleep(0.01)

    def act(op: str, call) -> None:
        try:
            result = call()
        except ServiceError as exc:
            out.write(json.dumps({"op": op, "error": str(exc.code)}) + "\n")
        else:
            out.write(json.dumps({"op": op, "ok": True, **result}) + "\n")

    for n in range(plan["rounds"]):
        act(
            "assign",
            lambda: {
                "assignee": desk_services.assign_ticket(
                    workspace=workspace, ticket_id=ticket_id, assignee_id=me.pk, actor=actor
                ).assignee_id
            },
        )
        text = f"{name}-{n}"
        act(
            "reply",
            lambda text=text: {
                "message_id": desk_services.reply_to_ticket(
                    workspace=workspace, ticket_id=ticket_id, text=text, actor=actor
                ).pk,
                "text": text,
            },
        )
        act(
            "customer",
            lambda n=n: {
                "message_id": desk_services.receive_message(
                    workspace=workspace,
                    inbound=InboundMessage(
                        channel_id=plan["channel_id"],
                        conversation_id=plan["conversation_id"],
                        text=f"customer-to-{name}-{n}",
                    ),
                ).message.pk
            },
        )
        for status in ("solved", "open"):
            act(
                status,
                lambda status=status: {
                    "status": desk_services.set_ticket_status(
                        workspace=workspace, ticket_id=ticket_id, status=status, actor=actor
                    ).status
                },
            )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
