"""The tone check of an agent's draft: what it flags, what it leaves alone, what it suggests."""

import pytest
from django.utils import translation

from xiaonuo.nlp.tone import ToneLexicon, check_tone


def kinds(text: str, lexicon: ToneLexicon | None = None) -> list[str]:
    return [f.kind for f in check_tone(text, lexicon).findings]


@pytest.mark.parametrize(
    "draft",
    [
        "爱买不买",
        "爱买不买啊！",
        "爱 买 不 买",
        "爱～买～不～买",
        "愛買不買",
        "爱买，不买",
        "ＯＫ，爱买不买！！",
        "你自己看说明",
        "你自己去看说明书吧",
        "你自己看說明書。",
        "不关我事",
        "不关我的事",
        "這不關我事",
        "我也没办法",
        "我也沒辦法啊。",
        "随便你",
        "隨便你吧",
        "爱信不信",
        "你找快递去",
    ],
)
def test_dismissive_phrases_and_their_variants_are_flagged(draft):
    assert kinds(draft) == ["dismissive"]


@pytest.mark.parametrize(
    "draft",
    [
        "你听不懂吗",
        "你聽不懂嗎？",
        "你 听 不 懂 吗",
        "说了多少遍了",
        "说了多少遍了！",
        "我都說了三遍了",
        "你给我滚",
        "滚！",
    ],
)
def test_rude_phrases_and_their_variants_are_flagged(draft):
    assert kinds(draft) == ["rude"]


@pytest.mark.parametrize(
    "draft",
    [
        "如果您方便的话，可以看一下说明书第3页",
        "抱歉让您说了好几遍，是我们没有及时处理。",
        "我们无法保证明天到，但会尽快发货。",
        "我们会尽量保证明天送到。",
        "滚筒洗衣机的排水口在右下方。",
        "USB接口松动的话，可以换根线试试。",
        "请不要把验证码告诉任何人。",
        "您随便挑，喜欢哪款我都帮您介绍。",
        "如果实在没办法上门，您也可以自己寄回，运费我们报销。",
        "关于您的问题，我已经记录下来了。",
        "我知道了，马上帮您改。",
        "说明书有哪里看不懂吗？我可以给您发视频。",
        "我再给您说一遍具体步骤。",
    ],
)
def test_polite_replies_that_share_words_with_the_rules_are_not_flagged(draft):
    report = check_tone(draft)
    assert report.ok, report.findings
    assert report.gentler == draft


@pytest.mark.parametrize(
    "draft",
    [
        "我们不会说“不关我事”这样的话。",
        "我们绝不会对您说不关我事。",
        "您说的“爱买不买”是哪位客服回复的？我们会严肃处理。",
    ],
)
def test_a_mention_of_a_phrase_is_not_a_use_of_it(draft):
    assert check_tone(draft).ok


def test_the_finding_names_its_span_explains_and_suggests():
    draft = "说明书上写得很清楚，你自己去看说明书吧。"
    (finding,) = check_tone(draft).findings
    assert finding.kind == "dismissive"
    assert finding.rule == "read_it_yourself"
    assert (finding.start, finding.end) == (10, 19)
    assert draft[finding.start : finding.end] == finding.text == "你自己去看说明书吧"
    assert "敷衍" in finding.explanation
    assert "说明" in finding.suggestion


def test_spans_point_into_the_text_as_written_with_its_variants():
    draft = "亲～ 愛 買 不 買啊！！"
    (finding,) = check_tone(draft).findings
    assert finding.text == "愛 買 不 買啊"
    assert draft[finding.start : finding.end] == finding.text


def test_the_gentler_draft_reads_as_a_warm_reply():
    assert check_tone("爱买不买！").gentler == "您可以再考虑一下，有任何疑问我都可以帮您解答。"
    assert check_tone("这不关我的事，你找快递去。").gentler == (
        "这个问题我来帮您协调处理，我这边帮您联系快递核实。"
    )
    assert check_tone("这他妈的快递太慢了").gentler == "这快递太慢了"
    assert check_tone("亲，保证明天到！").gentler == (
        "亲，我们会尽快为您安排，预计明天送达，具体以物流信息为准！"
    )


def test_a_reply_that_was_nothing_but_rudeness_still_gets_a_gentler_text():
    lexicon = ToneLexicon(rude=("你懂个屁",))
    report = check_tone("你懂个屁", lexicon)
    assert not report.ok
    assert report.gentler == "请问还有什么可以帮您？"


def test_forbidden_promises_are_flagged_unless_hedged_or_negated():
    assert kinds("我们保证明天到") == ["forbidden_promise"]
    assert kinds("明天一定能送到") == ["forbidden_promise"]
    assert kinds("我们给您全额赔偿") == ["forbidden_promise"]
    assert kinds("我们不能保证明天到") == []
    assert kinds("预计明天到") == []


def test_sensitive_requests_are_flagged_and_replaced_clause_wide():
    report = check_tone("您好，麻烦把验证码发给我，我帮您改地址。")
    (finding,) = report.findings
    assert finding.kind == "sensitive"
    assert finding.text == "麻烦把验证码发给我"
    assert (
        report.gentler == "您好，为了您的账户安全，请不要向任何人透露验证码或密码，我帮您改地址。"
    )


def test_a_workspace_word_list_is_matched_at_check_time_with_variants():
    lexicon = ToneLexicon(rude=("你懂个屁",), forbidden_promises=("免单",), sensitive=("内部价",))
    assert kinds("这单给您免单。", lexicon) == ["forbidden_promise"]
    assert kinds("這是內部價哦", lexicon) == ["sensitive"]
    assert kinds("你 懂 個 屁 啊", lexicon) == ["rude"]
    # Without the workspace's lists the same drafts are fine.
    assert kinds("这单给您免单。") == []
    assert kinds("這是內部價哦") == []


def test_a_workspace_forbidden_promise_is_no_promise_when_negated():
    lexicon = ToneLexicon(forbidden_promises=("免单",))
    assert kinds("这种情况我们无法免单", lexicon) == []


def test_a_workspace_entry_may_carry_its_own_gentler_wording():
    lexicon = ToneLexicon(forbidden_promises=("保证明天到=>预计明天送达",))
    report = check_tone("亲，这件保证明天到。", lexicon)
    assert report.gentler == "亲，这件预计明天送达。"


def test_a_workspace_entry_without_a_wording_replaces_its_clause():
    lexicon = ToneLexicon(forbidden_promises=("免单",))
    report = check_tone("好的，这单给您免单，请放心。", lexicon)
    (finding,) = report.findings
    assert finding.text == "这单给您免单"
    assert report.gentler == "好的，我们会尽力为您处理，具体以实际情况为准，请放心。"


def test_short_workspace_words_must_be_whole_words():
    lexicon = ToneLexicon(sensitive=("台独",))
    assert kinds("我们平台独家销售", lexicon) == []
    assert kinds("不要讨论台独话题", lexicon) == ["sensitive"]


def test_allowed_phrases_are_never_flagged():
    lexicon = ToneLexicon(allowed=("随便你挑",))
    assert kinds("随便你挑，都是现货") == []  # not flagged anyway (not at the end of a clause)
    assert kinds("爱买不买", ToneLexicon(allowed=("爱买不买",))) == []
    lexicon = ToneLexicon(sensitive=("返现",), allowed=("好评返现属于违规",))
    assert kinds("好评返现属于违规行为，我们不会这样做", lexicon) == []
    assert kinds("好评就返现", lexicon) == ["sensitive"]


def test_an_empty_or_blank_draft_is_fine():
    for draft in ("", "   ", "\n"):
        report = check_tone(draft)
        assert report.ok
        assert report.gentler == draft


def test_a_draft_of_only_emoji_and_punctuation_is_fine():
    assert check_tone("😊👍！！～～").ok


def test_html_in_the_draft_is_treated_as_text():
    draft = "<p>亲，<b>爱买</b>不买</p><script>alert(1)</script>"
    report = check_tone(draft)
    (finding,) = report.findings
    assert finding.kind == "dismissive"
    assert draft[finding.start : finding.end] == finding.text
    # The markup is returned as the text it is; escaping is the page's business.
    assert "<script>alert(1)</script>" in report.gentler
    assert "您可以再考虑一下" in report.gentler


def test_a_very_long_draft_is_checked_to_the_end():
    filler = "您好，您的订单已经发货，请注意查收。" * 280  # about 5,000 characters
    draft = filler + "爱买不买！"
    assert len(draft) > 5000
    report = check_tone(draft)
    (finding,) = report.findings
    assert finding.text == "爱买不买"
    assert finding.start == len(filler)
    assert report.gentler.startswith(filler)


def test_several_problems_in_one_draft_are_all_reported_in_order():
    report = check_tone("你听不懂吗？我都说了三遍了！爱买不买。")
    assert [(f.kind, f.rule) for f in report.findings] == [
        ("rude", "cannot_understand"),
        ("rude", "said_it_many_times"),
        ("dismissive", "take_it_or_leave_it"),
    ]
    starts = [f.start for f in report.findings]
    assert starts == sorted(starts)


def test_explanations_follow_the_active_language():
    with translation.override("en"):
        (finding,) = check_tone("爱买不买").findings
    assert finding.explanation.isascii()
    assert "爱买不买" not in finding.explanation
    # The suggestion is what the agent would send to a Chinese customer: never translated.
    assert finding.suggestion == "您可以再考虑一下，有任何疑问我都可以帮您解答"
