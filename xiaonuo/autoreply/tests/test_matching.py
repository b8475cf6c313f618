"""The FAQ matcher on a small knowledge base written for these tests (a tea shop's questions)."""

import time

import pytest

from xiaonuo.autoreply.matching import DEFAULT_THRESHOLD, Feedback, KbEntry, Matcher

KB = (
    KbEntry("refund", ("怎么申请退款", "退款流程是什么", "我要退款")),
    KbEntry("refund-time", ("退款多久到账", "退款什么时候到")),
    KbEntry("delivery", ("快递到哪了", "我的包裹现在在哪里")),
    KbEntry("ship-when", ("下单后多久发货", "什么时候发货")),
    KbEntry("address", ("怎么修改收货地址", "地址填错了能改吗")),
    KbEntry("invoice", ("可以开发票吗", "发票怎么开")),
    KbEntry("member", ("会员积分怎么用", "积分可以抵现吗")),
    KbEntry("store-hours", ("门店几点开门", "门店营业时间是几点到几点")),
    KbEntry("coupon", ("优惠券怎么领取", "优惠券在哪里领")),
    KbEntry("tea-storage", ("茶叶怎么保存", "茶叶开封后放冰箱可以吗")),
)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.build(KB)


def best(matcher: Matcher, query: str) -> str:
    candidates = matcher.match(query)
    assert candidates, query
    return candidates[0].faq_id


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("退款要怎么申请？", "refund"),
        ("我想退款，流程是怎样的", "refund"),
        ("退的钱多久能到账啊", "refund-time"),
        ("我的快递到哪里了", "delivery"),
        ("收货地址填错了，怎么改", "address"),
        ("能开发票吗", "invoice"),
        ("你们门店几点开门呀", "store-hours"),
        ("优惠券去哪里领", "coupon"),
        ("茶叶开封了怎么保存", "tea-storage"),
    ],
)
def test_a_paraphrase_finds_its_entry(matcher, query, expected):
    assert best(matcher, query) == expected


def test_an_exact_phrasing_is_answered_with_confidence(matcher):
    top = matcher.match("下单后多久发货")[0]
    assert top.faq_id == "ship-when"
    assert top.matched == "下单后多久发货"
    assert top.confidence >= DEFAULT_THRESHOLD


def test_confidences_are_probabilities_best_first(matcher):
    for query in ("怎么申请退款", "积分怎么用", "你好", "今天天气怎么样", "发票"):
        candidates = matcher.match(query, k=5)
        confidences = [c.confidence for c in candidates]
        assert all(0.0 <= c <= 1.0 for c in confidences)
        assert confidences == sorted(confidences, reverse=True)
        # Only one entry can be right: together they never claim more than certainty.
        assert sum(confidences) <= 1.0 + 1e-9
        assert len({c.faq_id for c in candidates}) == len(candidates) <= 5


def test_a_question_the_knowledge_base_cannot_answer_is_not_answered(matcher):
    for query in ("你们老板叫什么名字", "明天会下雨吗", "推荐一部好看的电影"):
        candidates = matcher.match(query)
        assert not candidates or candidates[0].confidence < DEFAULT_THRESHOLD, query


def test_why_names_the_features_behind_a_candidate(matcher):
    top = matcher.match("怎么申请退款")[0]
    assert {"bm25_words", "bm25_chars", "common_substring"} <= set(top.why)
    assert top.why["exact"] == 1.0


@pytest.mark.parametrize("query", ["", "   ", "😀😀", "？？！！", "……", "\n\t"])
def test_nothing_to_match_gives_no_candidates(matcher, query):
    assert matcher.match(query) == []


def test_traditional_and_full_width_questions_match_like_simplified(matcher):
    simplified = matcher.match("怎么修改收货地址")[0]
    traditional = matcher.match("怎麼修改收貨地址")[0]
    full_width = matcher.match("怎么修改收货地址？！ＯＫ")[0]
    assert traditional.faq_id == simplified.faq_id == full_width.faq_id == "address"
    assert traditional.confidence == pytest.approx(simplified.confidence)


def test_mixed_latin_and_chinese(matcher):
    assert best(matcher, "VIP会员积分怎么用？") == "member"


def test_a_very_long_question_is_read_and_answered_quickly(matcher):
    # A pasted page is read up to MAX_QUERY_CHARS: time does not grow with its length.
    started = time.perf_counter()
    repeated = matcher.match("退款多久到账？" * 5000)
    noise = matcher.match("退款多久到账 " + "我真的很着急 " * 5000)
    assert time.perf_counter() - started < 1.0
    assert repeated[0].faq_id == "refund-time"
    assert all(0.0 <= c.confidence <= 1.0 for c in noise)


def test_synonyms_join_words_that_share_no_character():
    entries = (
        KbEntry("delivery", ("快递到哪了",)),
        KbEntry("order", ("订单到哪了",)),
        KbEntry("refund", ("怎么退款",)),
    )
    plain = Matcher.build(entries)
    with_synonyms = Matcher.build(entries, synonyms=[("快递", "物流", "包裹")])
    assert with_synonyms.words("物流到哪了")[0] == "快递"
    top = with_synonyms.match("物流到哪了")
    assert top[0].faq_id == "delivery"
    assert top[0].confidence > top[1].confidence
    # Without the group, 物流 is an unknown word and the two entries tie on 到哪了.
    ties = plain.match("物流到哪了")
    assert {c.faq_id for c in ties[:2]} == {"delivery", "order"}


def test_the_workspace_dictionary_keeps_its_words_whole():
    entries = (KbEntry("card", ("茶语星享卡怎么办理",)), KbEntry("tea", ("星期几有新茶",)))
    plain = Matcher.build(entries)
    assert "茶语星享卡" not in plain.words("茶语星享卡怎么办理")
    custom = Matcher.build(entries, user_words=["茶语星享卡"])
    assert "茶语星享卡" in custom.words("茶语星享卡怎么办理")
    assert "茶语星享卡" in custom.words("我想办茶语星享卡")
    assert custom.match("我想办茶语星享卡")[0].faq_id == "card"


def test_an_agents_correction_puts_the_chosen_entry_first_and_generalises():
    entries = (
        KbEntry("refund", ("怎么申请退款",)),
        KbEntry("refund-time", ("退款多久到账",)),
        KbEntry("delivery", ("快递到哪了",)),
        KbEntry("broken", ("收到的商品坏了怎么办",)),
    )
    before = Matcher.build(entries)
    query = "杯子碎了怎么申请退款"
    assert best(before, query) == "refund"
    after = Matcher.build(entries, feedback=[Feedback(query=query, faq_id="broken")])
    corrected = after.match(query)
    assert corrected[0].faq_id == "broken"
    assert corrected[0].why.get("agent_confirmed") == 1.0
    confidences = [c.confidence for c in corrected]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) <= 1.0 + 1e-9
    # A question close to the corrected one now finds the agent's entry too.
    assert best(after, "杯子碎了，怎么申请退款？") == "broken"
    assert best(after, "杯子碎了申请退款") == "broken"
    # Unrelated questions are untouched.
    assert best(after, "退款多久到账") == "refund-time"


def test_feedback_for_an_unknown_entry_is_ignored():
    matcher = Matcher.build(KB, feedback=[Feedback(query="怎么申请退款", faq_id="gone")])
    assert best(matcher, "怎么申请退款") == "refund"


def test_entries_sharing_an_id_are_one_entry_and_blank_phrasings_are_skipped():
    matcher = Matcher.build(
        [
            KbEntry("a", ("怎么退款",)),
            KbEntry("a", ("", "  ", "退款流程")),
            KbEntry("b", ("几点开门",)),
        ]
    )
    assert matcher.entries == 2
    assert [c.faq_id for c in matcher.match("退款流程", k=5)].count("a") == 1


def test_an_empty_or_tiny_knowledge_base():
    assert Matcher.build([]).match("怎么退款") == []
    single = Matcher.build([KbEntry("only", ("怎么退款",))])
    candidates = single.match("怎么退款")
    assert [c.faq_id for c in candidates] == ["only"]
    assert 0.0 <= candidates[0].confidence <= 1.0
    assert single.match("😀") == []


def test_building_is_deterministic():
    first = Matcher.build(KB).match("退款多久能到", k=3)
    second = Matcher.build(KB).match("退款多久能到", k=3)
    assert [(c.faq_id, c.confidence) for c in first] == [(c.faq_id, c.confidence) for c in second]


INTENTS = (
    KbEntry(
        "angry",
        (
            "你们这是什么服务态度",
            "太气人了",
            "我很生气",
            "等了一个星期还没发货，太过分了",
            "客服半天不回消息，气死我了",
            "再也不在你们家买了",
            "这服务也太差了吧",
            "我要投诉你们",
        ),
    ),
    KbEntry(
        "bargain",
        (
            "能便宜点吗",
            "再便宜一点吧",
            "能不能少点钱",
            "便宜二十块我就买",
            "老顾客了给个优惠吧",
            "打个折呗",
            "价格能再低一点吗",
            "包邮的话我就拍了",
        ),
    ),
    KbEntry(
        "ship-when",
        (
            "什么时候发货",
            "今天能发货吗",
            "下单后多久发",
            "几天能发出去",
            "明天会发吗",
            "周末发货吗",
            "拍了以后什么时候寄出",
            "能不能快点发货",
        ),
    ),
)


def test_intents_with_many_examples_are_routed_by_their_words():
    """Entries with many phrasings (intents): the classifier over them ranks, and the
    confidences stay probabilities, best first."""
    matcher = Matcher.build(INTENTS)
    assert best(matcher, "你们家客服态度太差了，我要投诉") == "angry"
    assert best(matcher, "再少点钱吧，便宜点我就买") == "bargain"
    assert best(matcher, "今天下单明天能发货吗") == "ship-when"
    for query in ("发货太慢了，气死我了", "便宜点", "你好"):
        confidences = [c.confidence for c in matcher.match(query, k=3)]
        assert confidences == sorted(confidences, reverse=True)
        assert all(0.0 <= c <= 1.0 for c in confidences)
        assert sum(confidences) <= 1.0 + 1e-9
