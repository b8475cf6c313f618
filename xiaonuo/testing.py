"""Personas and builders shared by every test.

The cast, in every workspace story:
- 王店长 (owner) runs 茶语 (workspace A);
- 李客服 (agent) and 赵运营 (operator) and 钱观察 (viewer) work for 茶语 too;
- 孙老板 (owner) runs 别家 (workspace B) and must never see anything of 茶语's.
"""

from dataclasses import dataclass
from itertools import count
from typing import Any

from django.test import Client

from xiaonuo.accounts import services as accounts_services
from xiaonuo.accounts.models import ApiKey, User, Workspace
from xiaonuo.accounts.permissions import Role
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import Customer
from xiaonuo.customers.services import CustomerChanges

PASSWORD = "correct-horse-battery-staple-42"  # noqa: S105 - test personas only
_seq = count(1)


def make_workspace(*, slug: str | None = None, name: str | None = None) -> Workspace:
    n = next(_seq)
    return accounts_services.create_workspace(slug=slug or f"ws-{n}", name=name or f"工作区 {n}")


def make_staff(
    *,
    workspace: Workspace,
    role: Role = Role.AGENT,
    username: str | None = None,
    display_name: str = "",
) -> User:
    user = accounts_services.create_staff_user(
        username=username or f"staff{next(_seq)}", password=PASSWORD, display_name=display_name
    )
    accounts_services.add_member(workspace=workspace, user=user, role=role)
    return user


def make_api_key(*, workspace: Workspace, name: str = "测试密钥") -> tuple[ApiKey, str]:
    return accounts_services.create_api_key(workspace=workspace, name=name, actor=Actor())


def make_customer(
    *, workspace: Workspace, name: str = "张三", phone: str | None = None, **changes: Any
) -> Customer:
    identities = dict(changes.pop("identities", {}))
    if phone:
        identities["phone"] = phone
    return customers_services.create_customer(
        workspace=workspace, changes=CustomerChanges(name=name, identities=identities, **changes)
    )


@dataclass
class Cast:
    """Two workspaces and the people in them (see the module docstring)."""

    shop: Workspace
    owner: User
    agent: User
    operator: User
    viewer: User
    other_shop: Workspace
    other_owner: User


def make_cast() -> Cast:
    shop = make_workspace(slug="chayu", name="茶语")
    other = make_workspace(slug="biejia", name="别家")
    return Cast(
        shop=shop,
        owner=make_staff(workspace=shop, role=Role.OWNER, username="wang", display_name="王店长"),
        agent=make_staff(workspace=shop, role=Role.AGENT, username="li", display_name="李客服"),
        operator=make_staff(
            workspace=shop, role=Role.OPERATOR, username="zhao", display_name="赵运营"
        ),
        viewer=make_staff(workspace=shop, role=Role.VIEWER, username="qian", display_name="钱观察"),
        other_shop=other,
        other_owner=make_staff(
            workspace=other, role=Role.OWNER, username="sun", display_name="孙老板"
        ),
    )


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client(secret: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {secret}"})


def make_customer_file(path: Any, rows: list[list[Any]], *, encoding: str = "utf-8") -> Any:
    """A customer file written as people's tools write them: ``.xlsx`` through openpyxl, any
    other name as CSV in ``encoding`` (``utf-8-sig`` for Excel's "CSV UTF-8", ``gbk`` …)."""
    from pathlib import Path

    path = Path(path)
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        for row in rows:
            workbook.active.append(row)
        workbook.save(path)
        return path
    import csv
    import io

    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


# --- Service desk ----------------------------------------------------------------------------
# Everything goes through the desk's own services, as the console and the channels do.


def make_channel(*, workspace: Workspace, kind: str = "web_widget", name: str = "") -> Any:
    from xiaonuo.channels import services as channels_services

    return channels_services.create_channel(
        workspace=workspace, kind=kind, name=name or f"渠道 {next(_seq)}"
    )


def receive(
    *,
    workspace: Workspace,
    text: str = "你好，我的订单三天了还没发货",
    channel: Any = None,
    identities: dict[str, str] | None = None,
    **inbound: Any,
) -> Any:
    """A customer writes in (``desk.services.receive_message``); returns its ``Received``.
    Without identities, a new visitor each time."""
    from xiaonuo.channels.inbound import InboundMessage
    from xiaonuo.desk import services as desk_services

    channel = channel or make_channel(workspace=workspace)
    if identities is None and inbound.get("conversation_id") is None:
        identities = {"anonymous_id": f"visitor-{next(_seq)}"}
    return desk_services.receive_message(
        workspace=workspace,
        inbound=InboundMessage(
            channel_id=channel.pk, text=text, identities=identities or {}, **inbound
        ),
    )


def make_conversation(*, workspace: Workspace, **receive_kwargs: Any) -> Any:
    return receive(workspace=workspace, **receive_kwargs).conversation


def make_ticket(
    *,
    workspace: Workspace,
    status: str = "open",
    assignee: User | None = None,
    priority: int | None = None,
    tags: list[str] | None = None,
    **receive_kwargs: Any,
) -> Any:
    """A ticket opened by a customer's message, then brought to ``status`` and the rest through
    the services (a supervisor, the workspace's first owner, acts)."""
    from xiaonuo.accounts.models import Membership
    from xiaonuo.desk import services as desk_services

    ticket = receive(workspace=workspace, **receive_kwargs).ticket
    boss = Membership.objects.filter(workspace=workspace, role=Role.OWNER).first()
    actor = Actor(user=boss.user if boss else None)
    if assignee is not None:
        desk_services.assign_ticket(
            workspace=workspace, ticket_id=ticket.pk, assignee_id=assignee.pk, actor=actor
        )
    if priority is not None or tags is not None:
        desk_services.update_ticket(
            workspace=workspace, ticket_id=ticket.pk, actor=actor, priority=priority, tags=tags
        )
    path = {"open": [], "pending": ["pending"], "on_hold": ["on_hold"], "solved": ["solved"]}
    for step in path.get(status, ["solved", "closed"]):
        desk_services.set_ticket_status(
            workspace=workspace, ticket_id=ticket.pk, status=step, actor=actor
        )
    ticket.refresh_from_db()
    return ticket


def make_complaint(
    *,
    workspace: Workspace,
    ticket: Any = None,
    customer: Customer | None = None,
    severity: int = 2,
    category: str = "logistics",
    description: str = "快递三天没动，客户很着急",
    actor: User | None = None,
) -> Any:
    from xiaonuo.desk import services as desk_services

    if ticket is None and customer is None:
        ticket = make_ticket(workspace=workspace)
    return desk_services.open_complaint(
        workspace=workspace,
        customer_id=customer.pk if customer is not None else ticket.customer_id,
        ticket_id=ticket.pk if ticket is not None else None,
        severity=severity,
        category=category,
        description=description,
        actor=Actor(user=actor),
    )


def make_canned_reply(
    *, workspace: Workspace, title: str = "发货提醒", body: str = "{{客户姓名}}您好，订单已发出"
) -> Any:
    from xiaonuo.desk import services as desk_services

    return desk_services.create_canned_reply(
        workspace=workspace, title=title, body=body, actor=Actor()
    )


def go_online(*, workspace: Workspace, user: User, capacity: int | None = None) -> None:
    """An agent comes online (with their own capacity, if given)."""
    from xiaonuo.desk import services as desk_services

    if capacity is not None:
        desk_services.set_capacity(
            workspace=workspace, user_id=user.pk, capacity=capacity, actor=Actor()
        )
    desk_services.set_presence(workspace=workspace, user=user, status="online")


def make_team(*, workspace: Workspace, name: str = "售后", members: tuple[User, ...] = ()) -> Any:
    """A team of the desk (``desk.models.Team``) with these agents as members."""
    from xiaonuo.desk import services as desk_services

    return desk_services.create_team(
        workspace=workspace, name=name, member_ids=[m.pk for m in members], actor=Actor()
    )
