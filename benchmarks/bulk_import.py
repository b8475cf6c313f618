"""Bulk import speed: `xiaonuo events import` of a generated CSV file, on SQLite and PostgreSQL.

    python benchmarks/bulk_import.py [--events 1000000] [--users 100000] [--backend sqlite,postgres]

Reports events/s for the first import (everything new) and for importing the same file again
(everything a duplicate). The time includes parsing and validating the file, resolving and
creating customers, and committing. Target: ≥ 200,000 events/s.
"""

import argparse
import csv
import random
import re
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, write_section, xiaonuo  # noqa: E402

EVENTS = ["浏览菜单", "打开小程序", "加入购物车", "下单", "支付成功", "领取优惠券"]
PRODUCTS = ["杨枝甘露", "芝士莓莓", "多肉葡萄", "柠檬茶"]


def write_file(path: Path, events: int, users: int, tag: str = "bench") -> None:
    rng = random.Random(tag)
    start = datetime(2026, 5, 1, tzinfo=UTC)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(
            ["type", "user_id", "anonymous_id", "event", "properties", "timestamp", "message_id"]
        )
        # An export from another system is in time order, as here.
        seconds = sorted(rng.randrange(180 * 86400) for _ in range(events))
        for i in range(events):
            name = rng.choice(EVENTS)
            props = (
                f'{{"product":"{rng.choice(PRODUCTS)}","amount":{rng.randint(9, 40)}}}'
                if name == "下单"
                else "{}"
            )
            ts = start + timedelta(seconds=seconds[i])
            out.writerow(
                [
                    "track",
                    f"M{rng.randrange(users):08d}",
                    "",
                    name,
                    props,
                    ts.isoformat(),
                    f"{tag}-{i}",
                ]
            )


def run(backend: str, paths: list[Path]) -> list[float]:
    """events/s for each file in turn, imported into the same workspace."""
    with environment(backend) as env:
        xiaonuo(
            env,
            "shell",
            "-c",
            "from xiaonuo.accounts import services as s; s.create_workspace(slug='bench', name='压测')",
        )
        rates = []
        for path in paths:
            started = time.perf_counter()
            out = xiaonuo(env, "events", "import", str(path), "--workspace", "bench", capture=True)
            elapsed = time.perf_counter() - started
            print(f"  {backend} {path.name}: {out.strip()}  [wall {elapsed:.1f} s incl. start-up]")
            rates.append(float(re.search(r"([\d,]+)/s", out).group(1).replace(",", "")))
        return rates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--backend", default="sqlite,postgres")
    options = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        first_file, second_file = Path(tmp) / "events.csv", Path(tmp) / "more-events.csv"
        write_file(first_file, options.events, options.users, "first")
        write_file(second_file, options.events, options.users, "second")
        print(f"{first_file}: {options.events:,} events, {first_file.stat().st_size / 1e6:.0f} MB")
        for backend in options.backend.split(","):
            first, again, known = run(backend, [first_file, first_file, second_file])
            verdict = "met" if max(first, known) >= 200_000 else "missed"
            rows.append(
                f"| {backend} | {first:,.0f} | {known:,.0f} | {again:,.0f} | ≥ 200,000 ({verdict}) |"
            )
    write_section(
        "Bulk import (`xiaonuo events import`)",
        f"A CSV of {options.events:,} track events by {options.users:,} users (all new customers), "
        "timed by the command itself (parse + validate the whole file, resolve/create customers, "
        "insert, commit). Then the same file again (all duplicates), then a second file of new events "
        "by the same (now known) users.\n\n"
        "| Database | New users, events/s | Known users, events/s | Re-import (duplicates), events/s | Target |\n"
        "|---|---|---|---|---|\n" + "\n".join(rows),
    )


if __name__ == "__main__":
    main()
