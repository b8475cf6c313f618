from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from xiaonuo.accounts.models import (
    ApiKey,
    AuditEntry,
    Membership,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    Workspace,
)
from xiaonuo.lib.tokens import hash_secret

# last_used_at is touched at most this often, so a busy integration does not write per request.
KEY_TOUCH_INTERVAL = timedelta(minutes=1)


def get_workspace_by_slug(*, slug: str) -> Workspace | None:
    return Workspace.objects.filter(slug=slug).first()


def list_memberships_for_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user).select_related("workspace").order_by("workspace__name")
    )


def get_membership(*, user: User, workspace_id: int) -> Membership | None:
    return (
        Membership.objects.filter(user=user, workspace_id=workspace_id)
        .select_related("workspace")
        .first()
    )


def list_members(*, workspace: Workspace) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(workspace=workspace).select_related("user").order_by("created_at")
    )


def list_api_keys(*, workspace: Workspace) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(workspace=workspace).order_by("-created_at")


def get_active_api_key(*, secret: str) -> ApiKey | None:
    key = (
        ApiKey.objects.filter(key_hash=hash_secret(secret), revoked_at__isnull=True)
        .select_related("workspace")
        .first()
    )
    if key is not None and (
        key.last_used_at is None or timezone.now() - key.last_used_at > KEY_TOUCH_INTERVAL
    ):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def list_audit_entries(*, workspace: Workspace) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(workspace=workspace).select_related("actor", "api_key")


def list_webhook_endpoints(*, workspace: Workspace) -> QuerySet[WebhookEndpoint]:
    return (
        WebhookEndpoint.objects.filter(workspace=workspace)
        .select_related("created_by")
        .order_by("-created_at")
    )


def get_webhook_endpoint(*, workspace: Workspace, endpoint_id: int) -> WebhookEndpoint | None:
    return (
        WebhookEndpoint.objects.filter(workspace=workspace, pk=endpoint_id)
        .select_related("created_by")
        .first()
    )


def list_webhook_deliveries(
    *, workspace: Workspace, endpoint: WebhookEndpoint, before_id: int | None = None
) -> QuerySet[WebhookDelivery]:
    """Newest first, by the (endpoint, -id) index; ``before_id`` pages back without a COUNT
    over what can be millions of rows. The payload stays behind: the delivery page shows it."""
    deliveries = WebhookDelivery.objects.filter(workspace=workspace, endpoint=endpoint)
    if before_id is not None:
        deliveries = deliveries.filter(pk__lt=before_id)
    return deliveries.defer("payload").order_by("-id")


def get_webhook_delivery(
    *, workspace: Workspace, endpoint_id: int, delivery_id: int
) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.filter(workspace=workspace, endpoint_id=endpoint_id, pk=delivery_id)
        .select_related("endpoint")
        .prefetch_related("attempts_made")
        .first()
    )
