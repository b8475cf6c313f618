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
