"""Roles and what each may do. The table in docs/permissions.md is generated from ROLE_PERMISSIONS."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("所有者")  # everything, including the workspace itself and its owners
    ADMIN = "admin", _("管理员")  # staff, API keys, imports, privacy requests
    OPERATOR = "operator", _("运营")  # segments, tags, imports and exports; sees masked identifiers
    AGENT = "agent", _("客服")  # serves customers; may reveal a phone number to call back (audited)
    VIEWER = "viewer", _("只读")  # reads dashboards and profiles with identifiers masked


class Perm(StrEnum):
    VIEW_CUSTOMERS = "view_customers"
    EDIT_CUSTOMERS = "edit_customers"
    REVEAL_PII = "reveal_pii"  # see an unmasked phone, e-mail or openid; each reveal is audited
    IMPORT_CUSTOMERS = "import_customers"
    EXPORT_CUSTOMERS = "export_customers"
    MERGE_CUSTOMERS = "merge_customers"
    ERASE_CUSTOMERS = "erase_customers"  # privacy erasure (PIPL/GDPR); irreversible
    MANAGE_STAFF = "manage_staff"
    MANAGE_API_KEYS = "manage_api_keys"
    VIEW_AUDIT_LOG = "view_audit_log"
    MANAGE_WORKSPACE = "manage_workspace"
    # --- Service desk (DESIGN.md §2; docs/decisions/0006-desk-model.md) ---
    VIEW_DESK = "view_desk"  # read the inbox, tickets, complaints and their history
    HANDLE_CONVERSATIONS = "handle_conversations"  # reply, notes, status, tags; take unassigned
    ASSIGN_TICKETS = "assign_tickets"  # supervisor: assign or reassign tickets to other agents
    MERGE_TICKETS = "merge_tickets"  # supervisor: fold a duplicate ticket into another
    HANDLE_COMPLAINTS = "handle_complaints"  # record complaints, offer compensation, resolve
    APPROVE_COMPENSATION = "approve_compensation"  # supervisor: approve offers; escalation target
    MANAGE_DESK = "manage_desk"  # channels, assignment mode, capacities, canned replies
    # --- Auto-reply (issue 4) ---
    MANAGE_AUTOREPLY = "manage_autoreply"  # knowledge base, keyword rules, bot settings


_ALL = frozenset(Perm)
ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.OWNER: _ALL,
    Role.ADMIN: _ALL - {Perm.MANAGE_WORKSPACE},
    Role.OPERATOR: frozenset(
        {
            Perm.VIEW_CUSTOMERS,
            Perm.EDIT_CUSTOMERS,
            Perm.IMPORT_CUSTOMERS,
            Perm.EXPORT_CUSTOMERS,
            Perm.MERGE_CUSTOMERS,
            Perm.VIEW_DESK,  # complaints and conversations are the voice of the customer
            # The knowledge base is content work: operators write and curate it.
            Perm.MANAGE_AUTOREPLY,
        }
    ),
    Role.AGENT: frozenset(
        {
            Perm.VIEW_CUSTOMERS,
            Perm.EDIT_CUSTOMERS,
            Perm.REVEAL_PII,
            Perm.VIEW_DESK,
            Perm.HANDLE_CONVERSATIONS,
            Perm.HANDLE_COMPLAINTS,
        }
    ),
    Role.VIEWER: frozenset({Perm.VIEW_CUSTOMERS, Perm.VIEW_DESK}),
}


def can(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(role, frozenset())


def roles_with(perm: Perm) -> list[str]:
    """The roles granted ``perm``: for queries such as "members who may handle conversations"."""
    return [str(role) for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
