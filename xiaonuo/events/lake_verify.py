"""``xiaonuo lake verify [--repair]``: the lake's files against its manifest and the tail.

Checks, per listed file: it exists, its Parquet footer and data read back, and it holds the rows
the manifest says. Per day the tail still holds (compacted rows are kept TAIL_RETENTION_DAYS):
every compacted tail event is in the lake. On disk: files no manifest row lists (a writer killed
before its commit) are orphans.

``--repair``: orphans are deleted (under the workspace's write lock, so a writer between its
rename and its commit is never mistaken for one); a broken or missing file is rebuilt from the
tail when the tail still holds its day, and otherwise moved to ``<lake>/quarantine/`` and taken
out of the manifest and the day counts, with the number of events lost said plainly (imported
history comes back by importing its file again: imports are idempotent).
"""

import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from django.db import transaction

from xiaonuo.events import compaction, lake, storage
from xiaonuo.events.models import LakeFile, LakeSource


@dataclass
class Problem:
    kind: str  # orphan | missing | unreadable | row_count | not_in_lake
    path: str
    detail: str
    workspace_id: int | None = None
    day: date | None = None


@dataclass
class VerifyReport:
    files: int = 0
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(*, repair: bool = False) -> VerifyReport:
    report = VerifyReport()
    root = lake.lake_root()
    listed = list(LakeFile.objects.order_by("workspace_id", "day", "id"))
    broken: list[LakeFile] = []
    for record in listed:
        report.files += 1
        report.rows += record.rows
        problem = _check_file(root / record.path, record)
        if problem:
            report.problems.append(problem)
            broken.append(record)
    _check_tail(report)
    orphans = _orphans(root, {r.path for r in listed})
    report.problems.extend(
        Problem("orphan", str(p.relative_to(root)), "on disk but not in the manifest", ws)
        for ws, p in orphans
    )
    if repair:
        for record in broken:
            report.actions.append(_repair_file(record))
        missing = [p for p in report.problems if p.kind == "not_in_lake"]
        for problem in missing:
            assert problem.workspace_id is not None and problem.day is not None
            report.actions.append(_rebuild_day(problem.workspace_id, problem.day, replace=None))
        for workspace_id, path in orphans:
            with lake.write_lock(workspace_id or 0):
                relative = str(path.relative_to(root))
                if not LakeFile.objects.filter(path=relative).exists():
                    path.unlink(missing_ok=True)
                    report.actions.append(f"removed orphan {relative}")
    return report


def _check_file(path: Path, record: LakeFile) -> Problem | None:
    def problem(kind: str, detail: str) -> Problem:
        return Problem(kind, record.path, detail, record.workspace_id, record.day)

    if not path.exists():
        return problem("missing", "listed but not on disk")
    try:
        rows = pq.read_metadata(path).num_rows
        con = duckdb.connect()
        try:
            # Read every column back: a torn page or bad compression fails here.
            con.execute(
                "SELECT count(*), max(length(message_id)), max(length(properties)), "  # noqa: S608
                f"epoch_us(max(timestamp)) FROM {lake.scan()}",
                [[str(path)]],
            ).fetchone()
        finally:
            con.close()
    except Exception as exc:  # noqa: BLE001 - any reader failure means the file is damaged
        return problem("unreadable", f"cannot be read: {exc}".splitlines()[0])
    if rows != record.rows:
        return problem("row_count", f"holds {rows} events, the manifest says {record.rows}")
    return None


def _orphans(root: Path, listed: set[str]) -> list[tuple[int | None, Path]]:
    found = []
    for path in sorted((root / "events").rglob("*.parquet")) if (root / "events").exists() else []:
        relative = str(path.relative_to(root))
        if relative not in listed:
            found.append((_workspace_of(relative), path))
    return found


def _workspace_of(relative: str) -> int | None:
    for part in Path(relative).parts:
        if part.startswith("workspace="):
            return int(part.split("=", 1)[1])
    return None


def _check_tail(report: VerifyReport) -> None:
    """Every compacted event the tail still holds is in the lake (or was a dropped duplicate,
    which is then in the lake under the same message id)."""
    mark = compaction.watermark()
    if not mark:
        return
    by_day: dict[tuple[int, date], int] = defaultdict(int)
    with compaction._tail_reader() as read_batch:
        for low in range(0, mark, compaction.BATCH_ROWS):
            table = read_batch(low, min(low + compaction.BATCH_ROWS, mark))
            if not table.num_rows:
                continue
            con = lake.new_connection()
            try:
                con.register("kept", table)
                pairs = con.execute(
                    "SELECT DISTINCT workspace_id, CAST(timestamp AS DATE) FROM kept"
                ).fetchall()
                for workspace_id, day in pairs:
                    paths = lake.file_paths(workspace_id=workspace_id, days=[day])
                    if paths:
                        query = (
                            "SELECT count(*) FROM kept WHERE workspace_id = ? "  # noqa: S608
                            "AND CAST(timestamp AS DATE) = ? AND message_id NOT IN "
                            f"(SELECT message_id FROM {lake.scan()})"
                        )
                        params: list[object] = [workspace_id, day, paths]
                    else:
                        query = (
                            "SELECT count(*) FROM kept WHERE workspace_id = ? "
                            "AND CAST(timestamp AS DATE) = ?"
                        )
                        params = [workspace_id, day]
                    try:
                        row = con.execute(query, params).fetchone()
                    except duckdb.Error:
                        continue  # a damaged file of that day is reported on its own
                    if row and row[0]:
                        by_day[(workspace_id, day)] += int(row[0])
            finally:
                con.close()
    for (workspace_id, day), n in sorted(by_day.items()):
        report.problems.append(
            Problem(
                "not_in_lake",
                f"events/workspace={workspace_id}/day={day.isoformat()}",
                f"{n} compacted event(s) in the tail are not in the lake",
                workspace_id,
                day,
            )
        )


def _repair_file(record: LakeFile) -> str:
    if _tail_holds(record.workspace_id, record.day):
        return _rebuild_day(record.workspace_id, record.day, replace=record)
    return _quarantine(record)


def _tail_holds(workspace_id: int, day: date) -> bool:
    """Whether the tail still holds every compacted event of that day: the day's files come only
    from compaction and none of its rows has been purged yet."""
    sources = set(
        LakeFile.objects.filter(workspace_id=workspace_id, day=day).values_list("source", flat=True)
    )
    if sources - {LakeSource.COMPACTION}:
        return False
    listed = sum(
        LakeFile.objects.filter(workspace_id=workspace_id, day=day).values_list("rows", flat=True)
    )
    return _tail_rows(workspace_id, day).num_rows >= listed


def _tail_rows(workspace_id: int, day: date) -> pa.Table:
    mark = compaction.watermark()
    con = lake.new_connection()
    try:
        with compaction._tail_reader() as read_batch:
            tables = [
                read_batch(low, min(low + compaction.BATCH_ROWS, mark))
                for low in range(0, mark, compaction.BATCH_ROWS)
            ]
        whole = pa.concat_tables(tables) if tables else None
        if whole is None:
            return pa.table({"message_id": pa.array([], pa.string())})
        con.register("tail", whole)
        return con.execute(
            "SELECT * EXCLUDE (workspace_id) FROM tail WHERE workspace_id = ? AND day = ? "
            "QUALIFY row_number() OVER (PARTITION BY message_id ORDER BY received_at) = 1",
            [workspace_id, day],
        ).to_arrow_table()
    finally:
        con.close()


def _rebuild_day(workspace_id: int, day: date, *, replace: LakeFile | None) -> str:
    """Write the day's compacted tail events that its healthy files lack as a new file, and drop
    the broken file's manifest row (its events are among those rewritten)."""
    with lake.write_lock(workspace_id):
        rows = _tail_rows(workspace_id, day)
        con = lake.new_connection()
        try:
            con.register("rebuilt", rows)
            con.execute("CREATE TABLE staged AS SELECT * FROM rebuilt")
            others = LakeFile.objects.filter(workspace_id=workspace_id, day=day)
            if replace is not None:
                others = others.exclude(pk=replace.pk)
            healthy = [str(lake.lake_root() / p) for p in others.values_list("path", flat=True)]
            lake.drop_stored(con, "staged", healthy)
            files = lake.write_day_files(con, workspace_id=workspace_id, relation="staged")
        finally:
            con.close()
        written = sum(f.rows for f in files)
        with transaction.atomic():
            lake.record_files(
                workspace_id=workspace_id, files=files, source=LakeSource.COMPACTION, count=False
            )
            if replace is not None:
                # The day counts already hold the day's events once; a rebuilt file may hold
                # more or fewer than the broken one claimed.
                storage.add_day_counts(
                    workspace_id=workspace_id, per_day={day: written - replace.rows}
                )
                replace.delete()
                _move_to_quarantine(replace.path)
    what = f"file {replace.path}" if replace else f"day {day} of workspace {workspace_id}"
    return f"rebuilt {what} from the tail: {written} event(s)"


def _quarantine(record: LakeFile) -> str:
    with lake.write_lock(record.workspace_id), transaction.atomic():
        storage.add_day_counts(workspace_id=record.workspace_id, per_day={record.day: -record.rows})
        record.delete()
        moved = _move_to_quarantine(record.path)
    origin = (
        "imported history: import its file again to restore it"
        if record.source == LakeSource.IMPORT
        else "the tail no longer holds that day"
    )
    return (
        f"quarantined {record.path} as {moved}: {record.rows} event(s) of workspace "
        f"{record.workspace_id} on {record.day} are lost ({origin})"
    )


def _move_to_quarantine(relative: str) -> str:
    source = lake.lake_root() / relative
    target = lake.lake_root() / "quarantine" / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.exists():
        shutil.move(str(source), str(target))
    return str(target.relative_to(lake.lake_root()))
