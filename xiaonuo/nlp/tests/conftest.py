"""A small sentiment model trained once per session on reviews written for the tests, so
enrichment tests do not wait for the default model (built from 35k texts)."""

import pytest

from xiaonuo.nlp.modelfile import Model
from xiaonuo.nlp.sentiment import train_sentiment

# Written for these tests; short takeout and shop reviews, labelled 1 (positive) / 0.
POSITIVE = [
    "味道很好，送餐也快",
    "好吃，下次还点",
    "服务热情，环境干净",
    "质量不错，很满意",
    "物流很快，包装完好",
    "性价比高，推荐购买",
    "菜很新鲜，分量足",
    "客服耐心，解答及时",
    "非常满意，五星好评",
    "东西很好，价格实惠",
    "很喜欢，会回购的",
    "骑手很准时，饭还是热的",
]
NEGATIVE = [
    "太难吃了，再也不点了",
    "送餐太慢，菜都凉了",
    "服务态度很差，没人理",
    "质量很差，很失望",
    "快递太慢了，包装破损",
    "太贵了，不值这个价",
    "菜不新鲜，有怪味",
    "客服敷衍，一直推诿",
    "非常失望，差评",
    "东西坏了，要求退款",
    "很后悔，不推荐",
    "超时一个小时，饭都洒了",
]


@pytest.fixture(scope="session")
def small_model() -> Model:
    return train_sentiment(
        POSITIVE + NEGATIVE, [1] * len(POSITIVE) + [0] * len(NEGATIVE), data_source="tests"
    )
