from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaonuo.accounts.models import Workspace
from xiaonuo.customers.models import Customer


class EventType(models.TextChoices):
    TRACK = "track", _("行为")  # something the user did: 下单, 打开小程序 …
    IDENTIFY = "identify", _("识别")  # who the user is, with traits


class Event(models.Model):
    """The durable tail of the event lake (DESIGN.md §3): an accepted event is committed here
    before the API answers 202; a later job compacts it into Parquet."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    # Null while only an anonymous id is known; filled in when that id is identified.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, null=True, related_name="+")
    type = models.CharField(max_length=10, choices=EventType.choices)
    name = models.CharField(max_length=200, blank=True)
    properties = models.JSONField(default=dict, blank=True)
    user_id = models.CharField(max_length=200, blank=True)
    anonymous_id = models.CharField(max_length=200, blank=True)
    message_id = models.CharField(max_length=200)
    timestamp = models.DateTimeField()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Idempotency: a client retrying a batch sends the same message ids.
            models.UniqueConstraint(
                fields=["workspace", "message_id"], name="event_message_unique"
            ),
        ]
        indexes = [
            # The customer timeline, newest first.
            models.Index(fields=["customer", "-timestamp"], name="event_customer_ts"),
            # Joining anonymous events to a customer on identify; only unjoined rows are indexed.
            models.Index(
                fields=["workspace", "anonymous_id"],
                name="event_ws_anon_unjoined",
                condition=models.Q(customer__isnull=True),
            ),
        ]


class EventDayCount(models.Model):
    """How many events each workspace has per local day (``TIME_ZONE``), for the dashboard.

    Kept by ``events.storage.insert_events`` in the writing transaction and decremented when a
    customer's events are erased. It replaces a (workspace, timestamp) index on Event: that index
    cost every insert a random B-tree write to answer two counts a page view.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    count = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "day"], name="event_day_unique")
        ]


class LakeSource(models.TextChoices):
    IMPORT = "import", _("批量导入")  # `xiaonuo events import`: history straight into the lake
    COMPACTION = "compaction", _("压缩")  # moved from the tail by the compaction job


class LakeFile(models.Model):
    """One Parquet file of the event lake (DESIGN.md §3): the manifest readers trust.

    A file is written under a temporary name, renamed into its partition and only then recorded
    here, in the same transaction as the day counts; a file on disk without a row (a writer
    killed before its commit) is never read and is removed by ``xiaonuo lake verify``. So an event
    is in the lake exactly when its file is listed here.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()  # local day (TIME_ZONE) of every event in the file
    path = models.CharField(max_length=500, unique=True)  # relative to the lake's root
    rows = models.BigIntegerField()
    size = models.BigIntegerField()  # bytes
    source = models.CharField(max_length=20, choices=LakeSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "day"], name="lakefile_ws_day")]


class LakeState(models.Model):
    """The compaction job's watermark (one row): every tail event with an id up to
    ``compacted_up_to`` is in the lake (or was a duplicate of an event already there).

    Advanced in the same transaction that lists the new files, so a run killed at any point
    either moved a batch completely or not at all. Tail ids only grow (AUTOINCREMENT on SQLite,
    a sequence on PostgreSQL; the job waits for transactions older than its batch there).
    """

    compacted_up_to = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
