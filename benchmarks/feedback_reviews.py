"""Reviews in, enriched, and read back as the quadrant and the alert check (issue 5, points 4–7).

    python benchmarks/feedback_reviews.py [--reviews 20000] [--backend sqlite|postgres] [--no-write]

In a fresh, migrated database: ``--reviews`` reviews written from the demo's templates
(``xiaonuo/demo/reviews.py``: 30 stores, 8 drinks, twelve months) go in through the API's
service (``ingest_reviews``, batches of 1,000, de-duplication and customer look-up included);
then the enrichment job (``enrichment.enrich_reviews``: nlp in batches of 500, the reviews
updated, their aspect mentions written); then the quadrant of the whole workspace and of one
store (``selectors.get_quadrant``, median of 5 runs), and the hourly alert check of the
workspace (``alerts.find_spikes``, median of 5). Writes the "Feedback: reviews, enrichment,
quadrant" section of docs/benchmarks.md.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import django_setup, environment, write_section  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviews", type=int, default=20_000)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    with environment(args.backend, name="xiaonuo_bench_feedback") as env:
        django_setup(env)
        rows = run(args.reviews)
    table = "\n".join(
        f"| {name} | {wall:.2f} | {f'{n / wall:,.0f}' if n else '—'} | "
        f"{f'{cpu:.2f}' if cpu is not None else '—'} | {f'{n / cpu:,.0f}' if n and cpu else '—'} |"
        for name, wall, cpu, n in rows
    )
    body = (
        f"{args.reviews:,} reviews on {args.backend}.\n\n"
        "| step | wall s | reviews/s (wall) | CPU s | reviews/s (CPU) |\n|---|---|---|---|---|\n"
        f"{table}\n\n"
        "Ingest and enrichment are the background path (a 1,000-review API batch is one ingest "
        "call; its enrichment runs in the worker). The quadrant and the alert check are what a "
        "console page and the hourly job pay. CPU = this process's own CPU time; the difference "
        "from wall time is the database's writes and waiting for a core on the shared machine "
        "(load average above)."
    )
    print(body)
    if not args.no_write:
        write_section("Feedback: reviews, enrichment, quadrant", body)


def run(count: int) -> list[tuple[str, float, float | None, int]]:
    from django.utils import timezone

    from xiaonuo.accounts.services import create_workspace
    from xiaonuo.demo import reviews as demo
    from xiaonuo.feedback import alerts, enrichment, services
    from xiaonuo.feedback.selectors import QuadrantFilters, get_quadrant
    from xiaonuo.nlp.enrich import warm_up

    warm_up()
    workspace = create_workspace(slug="bench", name="bench")
    rng = random.Random(3)
    now = timezone.now()
    stores = [f"门店{i:02d}" for i in range(30)]
    products = [
        "杨枝甘露",
        "芝士莓莓",
        "多肉葡萄",
        "柠檬茶",
        "满杯红柚",
        "生椰拿铁",
        "黑糖波波",
        "茉莉奶绿",
    ]
    items = []
    for number in range(count):
        made = demo._review(  # the demo's own generator: realistic texts and fields
            workspace,
            rng,
            number,
            at=now - timedelta(days=rng.uniform(0, 365)),
            store=rng.choice(stores),
            product=rng.choice(products),
            platform="meituan",
            p_product=0.7,
            p_service=0.6,
        )
        items.append(
            services.ReviewInput(
                text=made.text,
                platform=made.platform,
                external_id=made.external_id,
                store=made.store,
                product=made.product,
                rating=made.rating,
                author_name=made.author_name,
                reviewed_at=made.reviewed_at,
            )
        )
    started, cpu = time.perf_counter(), time.process_time()
    ids: list[int] = []
    for start in range(0, count, services.MAX_BATCH):
        ids += services.ingest_reviews(
            workspace=workspace, items=items[start : start + services.MAX_BATCH]
        ).ids
    ingest, ingest_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    enrichment.enrich_reviews(review_ids=ids)
    enrich, enrich_cpu = time.perf_counter() - started, time.process_time() - cpu

    def median_of(call) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(5):
            begun = time.perf_counter()
            call()
            times.append(time.perf_counter() - begun)
        return statistics.median(times)

    whole = median_of(lambda: get_quadrant(workspace=workspace, filters=QuadrantFilters()))
    one = median_of(
        lambda: get_quadrant(workspace=workspace, filters=QuadrantFilters(store=stores[0]))
    )
    check = median_of(lambda: alerts.find_spikes(workspace=workspace, now=now))
    return [
        ("ingest (API service, batches of 1,000)", ingest, ingest_cpu, count),
        ("enrich (nlp + update + mentions)", enrich, enrich_cpu, count),
        ("quadrant, whole workspace (median of 5)", whole, None, 0),
        ("quadrant, one store (median of 5)", one, None, 0),
        ("alert check, whole workspace (median of 5)", check, None, 0),
    ]


if __name__ == "__main__":
    main()
