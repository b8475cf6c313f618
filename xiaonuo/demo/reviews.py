"""The demo's marketplace reviews (docs/decisions/0017): a year of Meituan, Dianping and Taobao
reviews of 茶小满's stores and drinks, written from phrase templates, enriched in batch at build
time, so that the quadrant shows a place and a movement.

The story the numbers tell: service improves across the brand over the year (staff training in
the spring), while the product slips at one store (``SLIPPING_STORE``: a new supplier of fruit);
and in the last days one store (``SPIKE_STORE``) gets a burst of complaints about its staff, so
the hourly alert check finds a spike. Deterministic: the same seed and ``now`` give the same
reviews.
"""

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction

from xiaonuo.accounts.models import Workspace
from xiaonuo.feedback import alerts, enrichment
from xiaonuo.feedback.models import Platform, Review

REVIEWS = 4000
MONTHS = 12
SLIPPING_STORE = "长沙梅溪湖店"
SPIKE_STORE = "长沙五一广场店"
SPIKE_REVIEWS = 14

PRODUCT_GOOD = [
    "{p}很好喝，甜度刚好",
    "{p}用料很足，果肉很新鲜",
    "{p}口感顺滑，茶味很香",
    "{p}颜值高，味道也好",
    "{p}一如既往地好喝，回购好几次了",
    "{p}的味道很正宗，推荐",
]
PRODUCT_BAD = [
    "{p}太甜了，口感很差",
    "{p}味道很淡，像兑了水",
    "{p}的果肉不新鲜，有股怪味",
    "这次的{p}质量明显下降了，很难喝",
    "{p}茶味发苦，难喝",
    "{p}里的珍珠煮得太硬，口感很差",
]
SERVICE_GOOD = [
    "店员态度很好，很热情",
    "服务员很耐心，推荐得也很专业",
    "客服回复很快，态度也好",
    "外卖送得很快，包装也很严实",
    "骑手小哥很准时，服务很周到",
]
SERVICE_BAD = [
    "店员态度很差，爱理不理",
    "服务员态度恶劣，催了好几次也不理",
    "客服态度敷衍，问题也没解决",
    "外卖送得太慢了，等了一个多小时",
    "打包很随意，洒了一袋子，配送太差",
]
ENVIRONMENT = ["店里环境干净，坐着很舒服", "店里很脏，桌子黏黏的"]
CLOSERS = ["", "", "", "下次还来。", "推荐给朋友了。", "就这样吧。"]
PLATFORMS = [(Platform.MEITUAN, 5), (Platform.DIANPING, 3), (Platform.TAOBAO, 2)]
NAMES = ["小", "阿", "大", "老"]
NAME_TAILS = ["王", "李", "张", "刘", "陈", "杨", "黄", "周", "吴", "林", "鱼", "猫", "桃"]


def create_demo_reviews(
    *,
    workspace: Workspace,
    seed: int,
    now: datetime,
    stores: Sequence[str],
    products: Sequence[str],
    reviews: int = REVIEWS,
) -> int:
    """Store and enrich the demo's reviews; run the alert check once. Returns how many."""
    rng = random.Random(seed * 7919 + 5)
    # The slipping store gets a bigger share, so that each of its months has enough evidence.
    weights = [12 if s == SLIPPING_STORE else 1 for s in stores]
    platforms, platform_weights = zip(*PLATFORMS, strict=True)
    rows: list[Review] = []
    for number in range(reviews):
        age = timedelta(days=rng.uniform(0, MONTHS * 30.4), minutes=rng.randint(0, 600))
        at = now - age
        progress = 1 - age.days / (MONTHS * 30.4)  # 0 a year ago → 1 today
        store = rng.choices(stores, weights)[0]
        product = rng.choice(products)
        p_product = 0.8 - 0.5 * progress if store == SLIPPING_STORE else 0.78
        p_service = 0.4 + 0.45 * progress
        rows.append(
            _review(
                workspace,
                rng,
                number,
                at=at,
                store=store,
                product=product,
                platform=rng.choices(platforms, platform_weights)[0],
                p_product=p_product,
                p_service=p_service,
            )
        )
    for number in range(reviews, reviews + SPIKE_REVIEWS):
        at = now - timedelta(hours=rng.uniform(1, 24 * 5))
        review = _review(
            workspace,
            rng,
            number,
            at=at,
            store=SPIKE_STORE,
            product=rng.choice(products),
            platform=Platform.MEITUAN,
            p_product=0.7,
            p_service=0.0,
        )
        rows.append(review)
    with transaction.atomic():
        Review.objects.bulk_create(rows, batch_size=1000)
    ids = list(Review.objects.filter(workspace=workspace).values_list("pk", flat=True))
    enrichment.enrich_reviews(review_ids=ids)
    alerts.check_alerts(workspace=workspace, now=now)
    return len(rows)


def _review(
    workspace: Workspace,
    rng: random.Random,
    number: int,
    *,
    at: datetime,
    store: str,
    product: str,
    platform: str,
    p_product: float,
    p_service: float,
) -> Review:
    clauses: list[str] = []
    good_product = rng.random() < p_product
    good_service = rng.random() < p_service
    says = rng.random()
    if says < 0.75:
        clauses.append(rng.choice(PRODUCT_GOOD if good_product else PRODUCT_BAD).format(p=product))
    if says > 0.35:
        clauses.append(rng.choice(SERVICE_GOOD if good_service else SERVICE_BAD))
    if rng.random() < 0.08:
        clauses.append(ENVIRONMENT[0] if good_service else ENVIRONMENT[1])
    rng.shuffle(clauses)
    text = "，".join(clauses) + "。" + rng.choice(CLOSERS)
    good = sum(1 for c in clauses if _is_good(c))
    rating = max(1, min(5, 1 + round(4 * good / len(clauses)) + rng.choice((0, 0, -1))))
    external_id = f"DEMO-{number:06d}"
    return Review(
        workspace=workspace,
        platform=platform,
        external_id=external_id,
        dedup_key=f"{platform}:{external_id}",
        store=store,
        product=product,
        rating=rating,
        text=text.strip(),
        author_name=rng.choice(NAMES) + rng.choice(NAME_TAILS),
        reviewed_at=at,
    )


_GOOD = {t.format(p="") for t in PRODUCT_GOOD} | set(SERVICE_GOOD) | {ENVIRONMENT[0]}


def _is_good(clause: str) -> bool:
    return any(clause.endswith(good) for good in _GOOD)
