"""Keeping the message search index in step with the messages (writes only).

Two ways in, both idempotent:

- ``index_messages`` — the given messages now. Meant for the reaction to a new message
  (``desk.message_created`` in ``xiaonuo/listeners.py``, once the desk announces it).
- ``catch_up_index`` — the periodic job: every message not yet indexed, in id order from where
  the last run had made sure of everything. It also back-fills an existing database (the first
  run indexes all messages) and whatever a lost reaction missed.

Rows leave the index with their messages (foreign key, ``on_delete=CASCADE``; on SQLite a
trigger removes the full-text entry in the same statement), so an erasure or any other deletion
needs nothing from here.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from xiaonuo.desk.models import Message
from xiaonuo.desk.search import text
from xiaonuo.desk.search.models import IndexedMessage, IndexState

# A message older than this is taken to be committed: ids are given out when a row is
# inserted, not when it commits, so a slow transaction can commit an id below ones already
# indexed. The catch-up job re-reads this window each run rather than skip such a message.
SETTLE = timedelta(minutes=5)
# Messages read, segmented and written per step: a few MB of text.
BATCH = 5000

logger = logging.getLogger(__name__)

_TABLE = IndexedMessage._meta.db_table
_MESSAGES = Message._meta.db_table


def index_messages(*, message_ids: Iterable[int]) -> int:
    """Index these messages (those not indexed yet and still there); returns how many."""
    ids = sorted(set(message_ids))
    if not ids:
        return 0
    rows = list(
        Message.objects.filter(pk__in=ids)
        .exclude(Exists(IndexedMessage.objects.filter(message_id=OuterRef("pk"))))
        .values_list("pk", "text")
    )
    return _write(rows)


def index_new_message(
    *,
    workspace_id: int,
    message_id: int,
    text: str | None = None,
    indexed: bool = False,
    **_: object,
) -> None:
    """The reaction to ``desk.message_created`` (dispatched on commit). It runs after the
    message is stored, on the request's path: a failure here (the database busy) is logged and
    left to the catch-up job rather than turned into an error for someone whose message is in.

    With the message's ``text`` (the desk announces it) it is one statement, in autocommit: the
    insert takes the workspace from the message row and skips one deleted meanwhile, and an
    index row already there is left alone — no read of the row just written, no transaction
    of its own (on SQLite each one is a trip through the single write lock).

    ``indexed``: the desk wrote the row in the message's own transaction (``index_in_transaction``).
    """
    if indexed:
        return
    try:
        if text is None:
            index_messages(message_ids=[message_id])
        elif connection.in_atomic_block:  # a caller's own transaction (tests, scripts)
            _write([(message_id, text)])
        else:
            _insert_one(message_id, " ".join(_terms_of(text)))
    except DatabaseError:
        logger.warning(
            "message %s not indexed now; the catch-up job will", message_id, exc_info=True
        )


def index_in_transaction(*, message_id: int, text: str) -> None:
    """The index row of a message just stored, in the caller's open transaction: for a caller
    that already holds the database's write lock (auto-reply answering a WeChat message), so
    that the message costs one turn of it instead of one more per message after the commit.
    The terms of a short message take microseconds."""
    _insert_one(message_id, " ".join(_terms_of(text)))


def catch_up_index(*, batch: int = BATCH, max_messages: int | None = None) -> int:
    """Index every message not indexed yet; returns how many were. Safe to run at any time and
    twice at once (writes ignore rows already there; the watermark only moves forward)."""
    state, _ = IndexState.objects.get_or_create(pk=1)
    cursor = state.settled_id
    cutoff = timezone.now() - SETTLE
    settled, settling = cursor, True
    done = 0
    while max_messages is None or done < max_messages:
        scanned = list(
            Message.objects.filter(pk__gt=cursor)
            .annotate(indexed=Exists(IndexedMessage.objects.filter(message_id=OuterRef("pk"))))
            .order_by("pk")
            .values_list("pk", "created_at", "indexed")[:batch]
        )
        if not scanned:
            break
        missing = [pk for pk, _, indexed in scanned if not indexed]
        if missing:
            done += _write(list(Message.objects.filter(pk__in=missing).values_list("pk", "text")))
        for pk, created_at, _ in scanned:
            # Settled up to the first message that may still have company in flight.
            settling = settling and created_at < cutoff
            if settling:
                settled = pk
        cursor = scanned[-1][0]
        if len(scanned) < batch:
            break
    IndexState.objects.filter(pk=1, settled_id__lt=settled).update(
        settled_id=settled, updated_at=timezone.now()
    )
    return done


def reset_index() -> None:
    """Forget the whole index (after a change to how terms are made): the next catch-up run
    rebuilds it from the messages."""
    with transaction.atomic():
        IndexedMessage.objects.all().delete()
        IndexState.objects.update(settled_id=0)


def _write(rows: list[tuple[int, str]]) -> int:
    """Insert the index rows of ``(message id, text)``, taking the workspace from the message
    in the same statement: a message deleted meanwhile is skipped, not an error."""
    if not rows:
        return 0
    ids = [pk for pk, _ in rows]
    terms = [" ".join(text.index_terms(body)) for _, body in rows]
    try:
        _insert(ids, terms)
    except IntegrityError:
        # PostgreSQL: a message deleted by a transaction that committed while this one waited
        # on its row. Once more, without it: the statement's SELECT no longer sees it.
        _insert(ids, terms)
    return IndexedMessage.objects.filter(message_id__in=ids).count()


def _terms_of(body: str) -> list[str]:
    return text.index_terms(body)


def _insert_one(message_id: int, terms: str) -> None:
    """One message's row, in the caller's transaction and without a savepoint of its own."""
    _insert_rows([message_id], [terms])


def _insert(ids: list[int], terms: list[str]) -> None:
    with transaction.atomic():
        _insert_rows(ids, terms)


def _insert_rows(ids: list[int], terms: list[str]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement for the batch: row-at-a-time inserts cost a round trip and a GIN
            # update each (measured: about 10x slower on the 3M back-fill).
            cursor.execute(
                f"INSERT INTO {_TABLE} (message_id, workspace_id, terms) "  # noqa: S608 - names from the models
                f"SELECT m.id, m.workspace_id, x.terms FROM unnest(%s::bigint[], %s::text[]) "
                f"AS x(id, terms) JOIN {_MESSAGES} m ON m.id = x.id ON CONFLICT DO NOTHING",
                [ids, terms],
            )
        else:
            cursor.executemany(
                f"INSERT OR IGNORE INTO {_TABLE} (message_id, workspace_id, terms) "  # noqa: S608 - names from the models
                f"SELECT id, workspace_id, %s FROM {_MESSAGES} WHERE id = %s",
                list(zip(terms, ids, strict=True)),
            )
