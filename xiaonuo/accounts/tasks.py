"""Background jobs of the accounts app. Periodic runs are scheduled in ``xiaonuo/schedule.py``."""

from datetime import timedelta

from django.utils import timezone
from huey.contrib.djhuey import db_task

from xiaonuo.accounts.models import Invite

# Expired invitations stay visible (as expired) on the staff page for a month, then go: the token
# hash is useless by then and an invite row carries an e-mail address we no longer need.
EXPIRED_INVITES_KEPT_FOR = timedelta(days=30)


@db_task()
def purge_expired_invites() -> int:
    """Delete unaccepted invitations expired for over a month; returns how many. Idempotent.

    Accepted invitations are kept: they record who brought whom into the workspace.
    """
    cutoff = timezone.now() - EXPIRED_INVITES_KEPT_FOR
    deleted, _ = Invite.objects.filter(accepted_at__isnull=True, expires_at__lt=cutoff).delete()
    return deleted
