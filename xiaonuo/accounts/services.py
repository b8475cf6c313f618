from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from xiaonuo.accounts.exceptions import AccountsError
from xiaonuo.accounts.models import (
    ApiKey,
    AuditAction,
    AuditEntry,
    Invite,
    Membership,
    User,
    Workspace,
)
from xiaonuo.accounts.permissions import Role
from xiaonuo.lib.errors import NotFound, ServiceError
from xiaonuo.lib.tokens import hash_secret, new_secret

INVITE_VALID_FOR = timedelta(days=7)
# Expired invitations stay visible (as expired) on the staff page for a month, then go: the token
# hash is useless by then and an invite row carries an e-mail address we no longer need.
EXPIRED_INVITES_KEPT_FOR = timedelta(days=30)


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff member in the console, or an API key. Used for the audit log."""

    user: User | None = None
    api_key: ApiKey | None = None


def create_workspace(*, slug: str, name: str, owner: User | None = None) -> Workspace:
    try:
        with transaction.atomic():
            workspace = Workspace.objects.create(slug=slug, name=name)
            if owner is not None:
                Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    except IntegrityError:
        raise ServiceError(
            AccountsError.WORKSPACE_EXISTS, f"Workspace {slug!r} already exists"
        ) from None
    return workspace


def create_staff_user(
    *, username: str, password: str, display_name: str = "", email: str = ""
) -> User:
    return User.objects.create_user(
        username=username, password=password, display_name=display_name, email=email
    )


def add_member(*, workspace: Workspace, user: User, role: Role) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        workspace=workspace, user=user, defaults={"role": role}
    )
    return membership


def change_member_role(
    *, workspace: Workspace, membership_id: int, role: Role, actor: Actor
) -> Membership:
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update()
            .filter(workspace=workspace, pk=membership_id)
            .first()
        )
        if membership is None:
            raise NotFound()
        if membership.role == Role.OWNER and role != Role.OWNER:
            owners = Membership.objects.filter(workspace=workspace, role=Role.OWNER).count()
            if owners <= 1:
                raise ServiceError(AccountsError.LAST_OWNER, "A workspace needs at least one owner")
        membership.role = role
        membership.save(update_fields=["role"])
        record_audit(
            workspace=workspace,
            actor=actor,
            action=AuditAction.STAFF_ROLE,
            target_type="membership",
            target_id=str(membership.pk),
            detail={"role": role},
        )
    return membership


def create_invite(
    *, workspace: Workspace, role: Role, email: str, actor: Actor
) -> tuple[Invite, str]:
    """Returns the invite and its one-time token; the link is ``/accounts/invite/<token>/``."""
    token = new_secret("inv", 24)
    invite = Invite.objects.create(
        workspace=workspace,
        role=role,
        email=email,
        token_hash=hash_secret(token),
        created_by=actor.user,
        expires_at=timezone.now() + INVITE_VALID_FOR,
    )
    record_audit(
        workspace=workspace,
        actor=actor,
        action=AuditAction.STAFF_INVITE,
        target_type="invite",
        target_id=str(invite.pk),
        detail={"role": role},
    )
    return invite, token


def get_open_invite(*, token: str) -> Invite | None:
    return (
        Invite.objects.filter(
            token_hash=hash_secret(token), accepted_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("workspace")
        .first()
    )


def accept_invite(*, token: str, user: User) -> Membership:
    with transaction.atomic():
        # Conditional UPDATE claims the invite: two people racing on one link cannot both join.
        claimed = Invite.objects.filter(
            token_hash=hash_secret(token), accepted_at__isnull=True, expires_at__gt=timezone.now()
        ).update(accepted_at=timezone.now(), accepted_by=user)
        if claimed != 1:
            raise ServiceError(
                AccountsError.INVITE_INVALID, "This invitation link is invalid or has expired"
            )
        invite = Invite.objects.select_related("workspace").get(token_hash=hash_secret(token))
        membership, _ = Membership.objects.get_or_create(
            workspace=invite.workspace, user=user, defaults={"role": invite.role}
        )
    return membership


def purge_expired_invites() -> int:
    """Delete unaccepted invitations expired for over a month; returns how many. Idempotent.

    Accepted invitations are kept: they record who brought whom into the workspace.
    """
    cutoff = timezone.now() - EXPIRED_INVITES_KEPT_FOR
    deleted, _ = Invite.objects.filter(accepted_at__isnull=True, expires_at__lt=cutoff).delete()
    return deleted


def create_api_key(*, workspace: Workspace, name: str, actor: Actor) -> tuple[ApiKey, str]:
    """Returns the stored key and the secret, which is shown once and never again."""
    secret = new_secret("xn")
    api_key = ApiKey.objects.create(
        workspace=workspace,
        name=name,
        prefix=secret[:10],
        key_hash=hash_secret(secret),
        created_by=actor.user,
    )
    record_audit(
        workspace=workspace,
        actor=actor,
        action=AuditAction.API_KEY_CREATE,
        target_type="api_key",
        target_id=str(api_key.pk),
        detail={"name": name},
    )
    return api_key, secret


def revoke_api_key(*, workspace: Workspace, api_key_id: int, actor: Actor) -> None:
    updated = ApiKey.objects.filter(
        workspace=workspace, pk=api_key_id, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if updated != 1 and not ApiKey.objects.filter(workspace=workspace, pk=api_key_id).exists():
        raise NotFound(AccountsError.API_KEY_NOT_FOUND, "API key not found")
    if updated:
        record_audit(
            workspace=workspace,
            actor=actor,
            action=AuditAction.API_KEY_REVOKE,
            target_type="api_key",
            target_id=str(api_key_id),
        )


def record_audit(
    *,
    workspace: Workspace,
    actor: Actor,
    action: AuditAction,
    target_type: str = "",
    target_id: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        workspace=workspace,
        actor=actor.user,
        api_key=actor.api_key,
        action=action,
        target_type=target_type,
        target_id=target_id,
        detail=detail or {},
    )
