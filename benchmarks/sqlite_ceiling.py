"""What SQLite itself can insert into the events table, with no Python work per row.

    python benchmarks/sqlite_ceiling.py [--rows 1000000] [--cache-mb 64,2000]

Prepared tuples go straight to ``executemany`` (20,000 rows a transaction, WAL, synchronous=NORMAL,
the settings' pragmas) into a table shaped like ``events_event``, first with no secondary index,
then adding indexes one by one: the model's current ones, and last the (workspace, timestamp)
index the model had before day counts replaced it. Each set is measured with each page-cache
size. This is the ceiling any loader on SQLite can reach; it explains the bulk-import numbers.
"""

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import write_section  # noqa: E402

INDEXES = [
    ("unique (workspace, message_id)", "CREATE UNIQUE INDEX u ON e (workspace_id, message_id)"),
    ("(customer, -timestamp)", "CREATE INDEX a ON e (customer_id, timestamp DESC)"),
    (
        "partial (workspace, anonymous_id)",
        "CREATE INDEX c ON e (workspace_id, anonymous_id) WHERE customer_id IS NULL",
    ),
    (
        "(workspace, timestamp) [removed from the model]",
        "CREATE INDEX b ON e (workspace_id, timestamp)",
    ),
]


def rate(rows: list[tuple], indexes: int, cache_mb: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "e.db", isolation_level=None)
        db.executescript(
            f"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-{cache_mb * 1024};"
            " PRAGMA temp_store=MEMORY;"
        )
        db.execute(
            "CREATE TABLE e (id INTEGER PRIMARY KEY AUTOINCREMENT, workspace_id INT, customer_id INT,"
            " type TEXT, name TEXT, properties TEXT, user_id TEXT, anonymous_id TEXT, message_id TEXT,"
            " timestamp TEXT, received_at TEXT)"
        )
        for _, ddl in INDEXES[:indexes]:
            db.execute(ddl)
        started = time.perf_counter()
        for k in range(0, len(rows), 20_000):
            db.execute("BEGIN")
            db.executemany(
                "INSERT OR IGNORE INTO e (workspace_id, customer_id, type, name, properties, user_id,"
                " anonymous_id, message_id, timestamp, received_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                rows[k : k + 20_000],
            )
            db.execute("COMMIT")
        return len(rows) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cache-mb", default="64,2000", help="page-cache sizes to compare")
    options = parser.parse_args()
    caches = [int(c) for c in options.cache_mb.split(",")]
    rng = random.Random(1)
    seconds = sorted(rng.randrange(180 * 86400) for _ in range(options.rows))
    rows = [
        (
            1,
            rng.randrange(100_000),
            "track",
            "下单",
            '{"product":"杨枝甘露","amount":19}',
            f"M{i % 100_000:07d}",
            "",
            f"bench-{i}",
            f"2026-05-01 {seconds[i]:09d}",
            "2026-11-22 00:00:00",
        )
        for i in range(options.rows)
    ]
    table = []
    for n in range(len(INDEXES) + 1):
        label = "none (rowid only)" if n == 0 else "+ " + INDEXES[n - 1][0]
        rates = [rate(rows, n, cache) for cache in caches]
        print(f"  {label}: " + ", ".join(f"{r:,.0f}" for r in rates) + " rows/s")
        table.append(f"| {label} | " + " | ".join(f"{r:,.0f}" for r in rates) + " |")
    write_section(
        "SQLite insert ceiling (events table shape)",
        f"{options.rows:,} prepared rows, time-ordered, customers at random, 20,000 a transaction; no Python "
        "work per row beyond the driver. Each line adds one index to the line above; each column is "
        "a page-cache size (`PRAGMA cache_size`).\n\n"
        "| Indexes | " + " | ".join(f"Rows/s, cache {c:,} MB" for c in caches) + " |\n"
        "|---|" + "---|" * len(caches) + "\n" + "\n".join(table),
    )


if __name__ == "__main__":
    main()
