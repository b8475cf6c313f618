"""The ``postgres`` analytics engine's copy of the lake (docs/decisions/0013-analytics-engines.md).

DuckDB and Spark read the lake's Parquet files themselves; PostgreSQL cannot, so before a report
runs there the files listed in ``events.LakeFile`` that are not here yet are loaded (COPY), and the
rows of files that left the manifest or were rewritten (erasure gives a file a new path) are
deleted. Only the columns analytics read are kept. On SQLite installs the tables stay empty.
"""

from django.db import models

from xiaonuo.accounts.models import Workspace


class LakeCopyFile(models.Model):
    """A lake file whose rows are in ``LakeCopyEvent``; ``path`` tells a rewritten file apart."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    lake_file_id = models.BigIntegerField(unique=True)  # events.LakeFile.id (no FK: see sync)
    path = models.CharField(max_length=500)
    rows = models.BigIntegerField()
    loaded_at = models.DateTimeField(auto_now_add=True)


class LakeCopyEvent(models.Model):
    """One track event of the lake, as the postgres engine reads it."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    lake_file_id = models.BigIntegerField()
    customer_id = models.BigIntegerField(null=True)
    anonymous_id = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=200, blank=True)
    properties = models.TextField(blank=True)  # JSON text, as in the Parquet files
    message_id = models.CharField(max_length=200)
    timestamp = models.DateTimeField()

    class Meta:
        indexes = [
            # Reports scan a workspace's rows; a file's rows are deleted when it is rewritten.
            models.Index(fields=["workspace", "lake_file_id"], name="lakecopy_ws_file"),
        ]
