from datetime import datetime, timedelta

from django.utils import timezone
from huey.contrib.djhuey import HUEY

from xiaonuo import health, schedule
from xiaonuo.accounts import services as accounts_services
from xiaonuo.accounts.models import Invite
from xiaonuo.accounts.permissions import Role
from xiaonuo.accounts.services import Actor
from xiaonuo.accounts.tasks import purge_expired_invites


def _invite(cast, *, expired_days_ago: int, accepted: bool = False) -> Invite:
    invite, _ = accounts_services.create_invite(
        workspace=cast.shop, role=Role.AGENT, email="x@example.com", actor=Actor(user=cast.owner)
    )
    Invite.objects.filter(pk=invite.pk).update(
        expires_at=timezone.now() - timedelta(days=expired_days_ago),
        accepted_at=timezone.now() if accepted else None,
    )
    return invite


def test_the_schedule_registers_every_periodic_job_with_the_queue() -> None:
    # Given the schedule module is loaded (the worker imports it before starting)
    # When the queue lists its periodic jobs
    names = {type(job).__name__ for job in HUEY._registry.periodic_tasks}

    # Then the heartbeat and the invite purge are among them
    assert {"worker_heartbeat", "purge_expired_invites"} <= names
    assert schedule.purge_expired_invites.task_class.__module__ == "xiaonuo.schedule"


def test_purging_deletes_only_unused_invitations_expired_for_over_a_month(cast) -> None:
    # Given an old expired invite, a recently expired one and an old accepted one
    old = _invite(cast, expired_days_ago=31)
    recent = _invite(cast, expired_days_ago=2)
    accepted = _invite(cast, expired_days_ago=60, accepted=True)

    # When the purge job runs
    deleted = purge_expired_invites.call_local()

    # Then only the old unused one is gone
    assert deleted == 1
    assert set(Invite.objects.values_list("pk", flat=True)) == {recent.pk, accepted.pk}
    assert not Invite.objects.filter(pk=old.pk).exists()


def test_purging_twice_is_harmless(cast) -> None:
    # Given an old expired invite, purged once
    _invite(cast, expired_days_ago=40)
    purge_expired_invites.call_local()

    # When the schedule runs the purge again
    deleted = schedule.purge_expired_invites.call_local()

    # Then nothing more is deleted and nothing fails
    assert deleted == 0


def test_the_heartbeat_records_which_process_beat_and_when() -> None:
    # Given no recent heartbeat
    HUEY.delete(health.HEARTBEAT_KEY)

    # When the periodic heartbeat runs
    beat = schedule.worker_heartbeat.call_local()

    # Then the queue's store holds this process's pid and the time
    assert HUEY.get(health.HEARTBEAT_KEY, peek=True) == beat
    assert beat["pid"] > 0
    assert abs(timezone.now() - datetime.fromisoformat(beat["at"])) < timedelta(seconds=5)


def test_the_schedule_sweeps_due_webhooks_every_minute_and_purges_old_deliveries_daily() -> None:
    names = {type(job).__name__ for job in HUEY._registry.periodic_tasks}
    assert {"send_due_webhooks", "purge_old_webhook_deliveries"} <= names
    sweep = schedule.send_due_webhooks.task_class()
    purge = schedule.purge_old_webhook_deliveries.task_class()
    # Huey matches crontabs against naive UTC times.
    any_minute = datetime(2026, 1, 1, 3, 7)  # noqa: DTZ001
    assert sweep.validate_datetime(any_minute)
    assert purge.validate_datetime(datetime(2026, 1, 1, 20, 20))  # noqa: DTZ001
    assert not purge.validate_datetime(any_minute)
