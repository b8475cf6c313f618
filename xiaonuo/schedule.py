"""Every periodic job of Xiaonuo, in one place, each with why it runs and when.

The worker (``xiaonuo worker``, also started by ``xiaonuo serve``) imports this module, so the
jobs below exist wherever a consumer runs. Like ``listeners.py``, it sits on top of every app and
calls down into them; no app imports it. Jobs here stay thin: they call one task or service.

Times are UTC (Huey's default): 20:00 UTC is 04:00 in China, our users' quietest hour.
When several worker machines share Redis, run the scheduler on one of them only
(``xiaonuo worker --no-periodic`` on the others), or each job runs once per machine.
"""

from typing import Any

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, periodic_task

from xiaonuo import health
from xiaonuo.accounts import tasks as accounts_tasks
from xiaonuo.analytics import tasks as analytics_tasks
from xiaonuo.autoreply import tasks as autoreply_tasks
from xiaonuo.channels import tasks as channels_tasks
from xiaonuo.desk import tasks as desk_tasks
from xiaonuo.desk.search import tasks as search_tasks
from xiaonuo.desk.sla import tasks as sla_tasks
from xiaonuo.desk.surveys import tasks as surveys_tasks
from xiaonuo.events import tasks as events_tasks
from xiaonuo.feedback import tasks as feedback_tasks


# Every minute, so /readyz can tell a live worker from a dead one (stale after three misses).
@periodic_task(crontab(minute="*"))
def worker_heartbeat() -> dict[str, Any]:
    return health.record_worker_heartbeat.call_local()


# At start too, so a freshly started worker shows up at once rather than at the next minute.
@HUEY.on_startup()
def _heartbeat_at_startup() -> None:
    health.record_worker_heartbeat.call_local()


# Daily at 04:10 China time: unused invitations expired for a month are deleted (they hold an
# e-mail address and a dead token hash). Idempotent, so a missed or doubled run does no harm.
@db_periodic_task(crontab(hour="20", minute="10"))
def purge_expired_invites() -> int:
    return accounts_tasks.purge_expired_invites.call_local()


# Every minute: webhook deliveries whose back-off has run out get their next attempt (the first
# retry comes 90 s after a failure, so a minute's granularity is fine). Also rescues a delivery
# whose first attempt was lost with a crashed worker. Idempotent: attempts are claimed by row.
@db_periodic_task(crontab(minute="*"))
def send_due_webhooks() -> int:
    return accounts_tasks.send_due_webhooks.call_local()


# Daily at 04:20 China time: finished webhook deliveries older than 30 days are deleted; the
# console shows recent ones and receivers deduplicate by delivery id within hours, not months.
@db_periodic_task(crontab(hour="20", minute="20"))
def purge_old_webhook_deliveries() -> int:
    return accounts_tasks.purge_old_webhook_deliveries.call_local()


# Daily at 04:30 China time: solved tickets past their workspace's auto-close delay become closed
# (a customer writing after that opens a follow-up ticket). Idempotent: each ticket is claimed by
# a conditional UPDATE.
@db_periodic_task(crontab(hour="20", minute="30"))
def close_solved_tickets() -> int:
    return desk_tasks.close_solved_tickets.call_local()


# Every five minutes: accepted events move from the tail table into the Parquet lake, so the
# tail stays small (its random-key indexes are what limits ingestion) and analytics read columns.
# Exactly once whatever happens to the worker (docs/decisions/0005); a run blocked by an old
# transaction stops and the next one continues.
@db_periodic_task(crontab(minute="*/5"))
def compact_event_lake() -> int:
    return events_tasks.compact_event_lake.call_local()


# Daily at 04:40 China time: compacted events older than XIAONUO_TAIL_RETENTION_DAYS leave the
# tail (the lake holds them; until then `xiaonuo lake verify --repair` can rebuild from them).
@db_periodic_task(crontab(hour="20", minute="40"))
def purge_compacted_tail() -> int:
    return events_tasks.purge_compacted_tail.call_local()


# Every minute: SLA warnings, breaches and met targets are recorded once each, and the assignee
# of a warned or breached ticket gets an alert (desk_sla.SlaEvent). Targets are in minutes, so a
# warning is at most a minute late. Idempotent: rows are inserted against unique constraints.
@db_periodic_task(crontab(minute="*"))
def record_sla_events() -> int:
    return sla_tasks.record_sla_events.call_local()


# Every five minutes: CSAT invitations for tickets solved since the last run, once each
# workspace's delay has passed (docs/decisions/0012-surveys.md). Idempotent: one per ticket
# (unique constraint), each workspace's run holds its survey lock.
@db_periodic_task(crontab(minute="*/5"))
def create_csat_invitations() -> int:
    return surveys_tasks.create_csat_invitations.call_local()


# Daily at 10:05 China time: NPS invitations, made in the morning so staff find fresh links to
# send. Idempotent: one decision per customer per scheduled period.
@db_periodic_task(crontab(hour="2", minute="5"))
def create_nps_invitations() -> int:
    return surveys_tasks.create_nps_invitations.call_local()


# Every five minutes: praise in customers' messages since the last scan (by message id; messages
# younger than 60 s wait for the next run). One praise per message (unique).
@db_periodic_task(crontab(minute="*/5"))
def scan_messages_for_praise() -> int:
    return surveys_tasks.scan_messages_for_praise.call_local()


# Every minute: messages not yet in the search index are indexed (the first run back-fills an
# existing database, at most 100k per run). New messages are indexed on commit already; this
# covers one whose reaction was lost. Idempotent, one run at a time.
@db_periodic_task(crontab(minute="*"))
def catch_up_search_index() -> int:
    return search_tasks.catch_up_index.call_local()


# Hourly: WeChat delivery records older than a day are deleted. They exist only so WeChat's
# retries of a callback (within seconds) are answered once; a day is ample. Idempotent.
@db_periodic_task(crontab(minute="17"))
def purge_wechat_deliveries() -> int:
    return channels_tasks.purge_wechat_deliveries.call_local()


# Daily at 04:50 China time, after the night's compaction and tail purge: every customer's
# lifecycle stage is recomputed from the lake + tail with the workspace's rules
# (analytics/lifecycle_stage.py) and only changed rows are written. Idempotent: a second run
# moves nobody; a missed night is caught up by the next.
@db_periodic_task(crontab(hour="20", minute="50"))
def update_lifecycle_stages() -> int:
    return analytics_tasks.update_lifecycle_stages.call_local()


# Every ten minutes: reviews never enriched, and customers' messages and survey comments of the
# last two days without an enrichment (their on-arrival job was lost). Idempotent: done texts
# are skipped (docs/decisions/0017).
@db_periodic_task(crontab(minute="*/10"))
def catch_up_feedback_enrichment() -> int:
    return feedback_tasks.catch_up_enrichment.call_local()


# Hourly: spikes of negative reviews or complaints per store and product against their own
# weekly history raise an alert (console + `feedback.alert` webhook). Idempotent: one alert per
# scope and kind per day (unique), none while the last week's is still open.
@db_periodic_task(crontab(minute="15"))
def check_feedback_alerts() -> int:
    return feedback_tasks.check_alerts.call_local()


# Daily at 05:10 China time, after the lifecycle stages: a workspace whose staff corrected
# sentiments since its model was trained gets a new model (default data plus its corrections;
# under a minute each). Enrichment uses it from the next batch on. Nothing to do when nobody
# corrected anything; a missed night is caught up by the next.
@db_periodic_task(crontab(hour="21", minute="10"))
def retrain_sentiment_models() -> int:
    return feedback_tasks.retrain_due_sentiment_models.call_local()


# Weekly, Mondays at 04:40 China time: last week's questions the bot could not answer are
# grouped into suggested new FAQ entries for the console (autoreply/services/unanswered.py).
# Idempotent: a question joins one group only, so a doubled run makes no new groups.
@db_periodic_task(crontab(day_of_week="0", hour="20", minute="40"))  # Sunday UTC
def group_unanswered_questions() -> int:
    return autoreply_tasks.group_unanswered_questions.call_local()
