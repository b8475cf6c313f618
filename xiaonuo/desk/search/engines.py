"""The one query each database answers: the ids of a workspace's messages that hold every term
of a query, newest first. Everything else (tickets, snippets, paging) is shared Python."""

from django.db import connection

from xiaonuo.desk.search.models import IndexedMessage
from xiaonuo.desk.search.text import Query

_TABLE = IndexedMessage._meta.db_table


def matching_message_ids(
    *, workspace_id: int, query: Query, before: int | None, limit: int
) -> list[int]:
    if connection.vendor == "sqlite":
        return _sqlite(workspace_id, query, before, limit)
    return _postgres(workspace_id, query, before, limit)


def _sqlite(workspace_id: int, query: Query, before: int | None, limit: int) -> list[int]:
    # FTS5 walks its posting lists in rowid order, so "ORDER BY rowid DESC LIMIT n" stops after
    # n matches instead of collecting and sorting all of them. The workspace is a term of its
    # own column, intersected like any other.
    match = f'ws : "w{int(workspace_id)}" AND terms : ({fts5_expression(query)})'
    sql = "SELECT rowid FROM desk_search_fts WHERE desk_search_fts MATCH %s"
    params: list[int | str] = [match]
    if before is not None:
        sql += " AND rowid < %s"
        params.append(before)
    sql += " ORDER BY rowid DESC LIMIT %s"
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def fts5_expression(query: Query) -> str:
    """Each term as an FTS5 string (a prefix one followed by ``*``), all ANDed. Terms are
    letters and digits only; doubling quotes is for safety if that ever changes."""
    parts = []
    for term in query.terms:
        quoted = '"' + term.text.replace('"', '""') + '"'
        parts.append(quoted + "*" if term.prefix else quoted)
    return " AND ".join(parts)


def _postgres(workspace_id: int, query: Query, before: int | None, limit: int) -> list[int]:
    # The planner chooses between the GIN index (rare words: collect the few matches, sort)
    # and walking search_ws_message backwards checking each row (common words: stop early).
    sql = (
        f"SELECT message_id FROM {_TABLE} "  # noqa: S608 - the table name is ours
        "WHERE workspace_id = %s AND tsv @@ %s::tsquery"
    )
    params: list[int | str] = [workspace_id, tsquery(query)]
    if before is not None:
        sql += " AND message_id < %s"
        params.append(before)
    sql += " ORDER BY message_id DESC LIMIT %s"
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def tsquery(query: Query) -> str:
    """The query in tsquery syntax, lexemes quoted verbatim (no parsing, no stemming: they
    meet the stored terms exactly as both were made)."""
    parts = []
    for term in query.terms:
        quoted = "'" + term.text.replace("\\", "\\\\").replace("'", "''") + "'"
        parts.append(quoted + ":*" if term.prefix else quoted)
    return " & ".join(parts)
