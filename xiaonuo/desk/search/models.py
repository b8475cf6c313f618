"""The message search index (docs/decisions/0010-desk-search.md).

``IndexedMessage`` holds each indexed message's terms (``search.text.index_terms``), one row per
message. The engines index that column:

- SQLite: the FTS5 table ``desk_search_fts`` (contentless; kept in step with this table by
  triggers, so a deleted row leaves the full-text index in the same statement);
- PostgreSQL: the generated ``tsv`` column (the terms as a ``tsvector``, verbatim) with a GIN
  index.

Both are created by this app's migration ``0001``; Django does not know them. A row is removed
with its message (``on_delete=CASCADE``): a message that is erased can never stay searchable.
"""

from django.db import models

from xiaonuo.accounts.models import Workspace
from xiaonuo.desk.models import Message


class IndexedMessage(models.Model):
    message = models.OneToOneField(
        Message, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # Served by the composite index below, which leads with it.
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # The distinct terms, separated by single spaces; terms are letters and digits only.
    terms = models.TextField()

    class Meta:
        indexes = [
            # "This workspace's messages, newest first": PostgreSQL walks it backwards and checks
            # each row when a query's words are common (stops after a few hundred rows rather
            # than collecting every match from the GIN index and sorting).
            models.Index(fields=["workspace", "-message"], name="search_ws_message"),
        ]


class IndexState(models.Model):
    """One row: how far the catch-up job has made sure every message is indexed."""

    # Every message with an id up to this one is indexed (or was deleted). Only messages older
    # than ``services.SETTLE`` count, so one committed late with a lower id is not skipped.
    settled_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
