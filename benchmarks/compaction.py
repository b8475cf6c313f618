"""Compaction speed and the lake's size: the tail moved into Parquet by `xiaonuo lake compact`.

    python benchmarks/compaction.py [--events 2000000] [--backend sqlite,postgres]

Fills the tail with ``--events`` API-like events (random UUID message ids, 100,000 users,
varied names and properties, the last 30 days) through the same writer as the API, then times
`xiaonuo lake compact` and reads the lake's bytes per event from the manifest. Targets (issue 6):
compaction ≥ 500,000 events/s; the lake ≤ 20 bytes per event.
"""

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import environment, write_section, xiaonuo  # noqa: E402

FILL = """
import random, uuid
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from xiaonuo.accounts import services as s
from xiaonuo.events import storage
w = s.create_workspace(slug="bench", name="压测")
rng = random.Random(7)
names = ["浏览菜单", "打开小程序", "加入购物车", "下单", "支付成功", "领取优惠券"]
products = ["杨枝甘露", "芝士莓莓", "多肉葡萄", "柠檬茶"]
now = timezone.now()
left = {events}
while left:
    n = min(left, 50_000)
    records = []
    for _ in range(n):
        name = rng.choice(names)
        props = {{"product": rng.choice(products), "amount": rng.randint(9, 40)}} if name == "下单" else {{}}
        records.append(storage.EventRecord(
            customer_id=None, type="track", name=name, properties=props,
            user_id="M%07d" % rng.randrange(100_000), anonymous_id="",
            message_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            timestamp=now - timedelta(seconds=rng.randrange(30 * 86400))))
    with transaction.atomic():
        storage.insert_events(workspace_id=w.pk, records=records, received_at=now)
    left -= n
"""

SIZE = (
    "from django.db.models import Sum; from xiaonuo.events.models import LakeFile;"
    "a = LakeFile.objects.aggregate(b=Sum('size'), r=Sum('rows')); print(a['b'], a['r'])"
)


def run(backend: str, events: int) -> dict[str, float]:
    with environment(backend, name="xiaonuo_bench_compact") as env:
        xiaonuo(env, "shell", "-c", FILL.format(events=events))
        out = xiaonuo(env, "lake", "compact", capture=True)
        print(f"  {backend}: {out.strip()}")
        rate = float(re.search(r"\(([\d,]+)/s\)", out).group(1).replace(",", ""))
        size, rows = (int(x) for x in xiaonuo(env, "shell", "-c", SIZE, capture=True).split()[-2:])
        verify = xiaonuo(env, "lake", "verify", capture=True).strip().splitlines()[-1]
        print(f"  {backend}: {size / rows:.1f} bytes/event; verify: {verify}")
        return {"rate": rate, "bytes": size / rows, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--backend", default="sqlite,postgres")
    options = parser.parse_args()
    rows = []
    for backend in options.backend.split(","):
        result = run(backend, options.events)
        rate_ok = "met" if result["rate"] >= 500_000 else "missed"
        size_ok = "met" if result["bytes"] <= 20 else "missed"
        rows.append(
            f"| {backend} | {result['rate']:,.0f} ({rate_ok}) | {result['bytes']:.1f} ({size_ok}) |"
        )
    write_section(
        "Event lake compaction (`xiaonuo lake compact`)",
        f"{options.events:,} API-like events in the tail (random UUID message ids, 100,000 users, "
        "30 days), written through the API's writer; then one `xiaonuo lake compact` (read the "
        "tail, dedupe against the lake, write one zstd Parquet file per day, list them).\n\n"
        "| Database | Events/s (target ≥ 500,000) | Bytes per event in the lake (target ≤ 20) |\n"
        "|---|---|---|\n" + "\n".join(rows) + "\n",
    )


if __name__ == "__main__":
    main()
