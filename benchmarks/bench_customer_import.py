"""Customer import speed: a generated CSV through ``customers.importing`` on a fresh SQLite DB.

    python benchmarks/bench_customer_import.py [--rows 200000]

Reports rows/s for the first import (every row a new customer with a phone, an external id,
an e-mail and two tags) and for importing the same file again (every row matched; a tenth
has a changed name). Time includes decoding, parsing, validating, matching and committing.
Target: ≥ 5,000 rows/s.
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CITIES = ["杭州", "上海", "北京", "成都", "广州", "深圳"]
STAGES = ["新用户", "活跃", "忠实", "粉丝"]
TAGS = ["VIP", "展会", "小程序", "老客", "团购"]


def write_file(path: Path, rows: int, *, rename_every: int = 0) -> None:
    rng = random.Random(42)
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["会员ID", "姓名", "手机号", "邮箱", "城市", "性别", "生命周期", "标签"])
        for i in range(rows):
            name = f"用户{i}" + ("改" if rename_every and i % rename_every == 0 else "")
            writer.writerow(
                [
                    f"m{i}",
                    name,
                    f"13{i:09d}",
                    f"user{i}@example.com",
                    rng.choice(CITIES),
                    rng.choice("男女"),
                    rng.choice(STAGES),
                    "、".join(rng.sample(TAGS, 2)),
                ]
            )


def timed_import(workspace: object, path: Path) -> tuple[float, object]:
    from xiaonuo.accounts.services import Actor
    from xiaonuo.customers import importing

    started = time.perf_counter()
    table = importing.open_table(path)
    result = importing.import_table(
        workspace=workspace,
        table=table,
        actor=Actor(),
        name=path.name,
        mapping=importing.suggest_mapping(table.header, workspace=workspace),
    )
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xiaonuo-bench-") as data_dir:
        os.environ.update(
            {
                "XIAONUO_DATA_DIR": data_dir,
                "DJANGO_SETTINGS_MODULE": "xiaonuo.settings",
                "LOG_LEVEL": "WARNING",
            }
        )
        os.environ.pop("DATABASE_URL", None)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.core.management import call_command

        from xiaonuo.accounts import services as accounts_services

        call_command("migrate", verbosity=0)
        workspace = accounts_services.create_workspace(slug="bench", name="基准")
        path = Path(tempfile.gettempdir()) / f"xiaonuo-customers-{options.rows}.csv"
        write_file(path, options.rows)
        print(f"file: {path} ({path.stat().st_size / 2**20:.1f} MB, {options.rows:,} rows)")

        seconds, result = timed_import(workspace, path)
        print(
            f"first import:  {options.rows / seconds:,.0f} rows/s ({seconds:.1f} s; "
            f"created {result.created:,}, errors {result.error_rows:,})"
        )
        write_file(path, options.rows, rename_every=10)
        seconds, result = timed_import(workspace, path)
        print(
            f"second import: {options.rows / seconds:,.0f} rows/s ({seconds:.1f} s; "
            f"updated {result.updated:,}, unchanged {result.unchanged:,}, created {result.created:,})"
        )
        path.unlink()


if __name__ == "__main__":
    main()
