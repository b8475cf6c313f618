"""enrich(): sentiment, aspects, complaints and keywords of a batch, on awkward texts too."""

import pytest

from xiaonuo.nlp.enrich import AspectMention, enrich


def aspects_of(result):
    return {(m.aspect, m.polarity) for m in result.aspects}


def test_each_aspect_gets_its_own_polarity(small_model):
    text = "味道很好，就是送餐太慢了"
    [result] = enrich([text], model=small_model)
    assert aspects_of(result) == {("product", "positive"), ("logistics", "negative")}
    spans = {m.aspect: text[m.span[0] : m.span[1]] for m in result.aspects}
    assert spans == {"product": "味道很好", "logistics": "就是送餐太慢了"}


def test_a_negated_opinion_turns_around(small_model):
    [result] = enrich(["服务员不太热情，菜一点也不新鲜"], model=small_model)
    assert aspects_of(result) == {("service", "negative"), ("product", "negative")}


def test_a_failure_with_a_demand_is_a_complaint_and_mild_dislike_is_not(small_model):
    complaint, dislike, praise = enrich(
        ["送错餐了，要求退款，不然就投诉", "口味一般", "客服很耐心，退款很快，非常满意，五星好评"],
        model=small_model,
    )
    assert complaint.is_complaint and complaint.complaint_score >= 0.5
    assert not dislike.is_complaint
    assert not praise.is_complaint  # 退款 named, but as praise


def test_keywords_skip_filler_and_put_workspace_words_first(small_model):
    text = "茶语小铺的桂花乌龙很香，包装也很精美"
    [plain] = enrich([text], model=small_model)
    [own] = enrich([text], workspace_words={"茶语小铺", "桂花乌龙"}, model=small_model)
    assert plain.keywords and not {"的", "很", "也"} & set(plain.keywords)
    assert own.keywords[:2] == ("茶语小铺", "桂花乌龙")


@pytest.mark.parametrize("text", ["", "   ", "。。。！！", "\n"])
def test_empty_texts_are_neutral_with_nothing_found(small_model, text):
    [result] = enrich([text], model=small_model)
    assert result.sentiment == "neutral" and result.score == 0.5
    assert result.aspects == () and result.keywords == () and not result.is_complaint


def test_emoji_only_texts_are_read_by_their_emoji(small_model):
    happy, angry, other = enrich(["👍👍👍", "😡😡", "🍵"], model=small_model)
    assert happy.sentiment == "positive" and aspects_of(happy) == {("other", "positive")}
    assert angry.sentiment == "negative"
    assert other.sentiment == "neutral" and other.aspects == ()


def test_traditional_characters_read_like_simplified(small_model):
    traditional, simplified = enrich(
        ["服務態度很差，質量也不好", "服务态度很差，质量也不好"], model=small_model
    )
    assert traditional.score == simplified.score
    assert (
        aspects_of(traditional)
        == aspects_of(simplified)
        == {
            ("service", "negative"),
            ("product", "negative"),
        }
    )


def test_mixed_chinese_and_english_is_read(small_model):
    [result] = enrich(["东西很好，but物流太慢了 (3 days!)"], model=small_model)
    assert ("logistics", "negative") in aspects_of(result)


def test_a_very_long_text_is_read_up_to_a_limit(small_model):
    text = "送餐太慢了，菜都凉了。" * 50_000  # 550,000 characters
    [result] = enrich([text], model=small_model)
    assert result.sentiment == "negative"
    assert all(m.span[1] <= 2000 for m in result.aspects)


def test_a_batch_comes_back_in_order(small_model):
    texts = ["好吃", "难吃", "", "送餐很快"] * 25
    results = enrich(texts, model=small_model)
    assert len(results) == 100
    assert [r.score for r in results[:4]] == [r.score for r in results[4:8]]


def test_mentions_are_plain_values(small_model):
    [result] = enrich(["价格实惠"], model=small_model)
    assert result.aspects == (AspectMention("price", "positive", (0, 4)),)


def test_a_missing_or_numeric_cell_is_read_not_crashed_on(small_model):
    missing, number = enrich([None, 5], model=small_model)  # type: ignore[list-item]
    assert missing.sentiment == "neutral" and missing.aspects == ()
    assert number.sentiment in ("positive", "negative", "neutral")
