"""The built-in tone rules: what an agent's reply must not say, why, and what to say instead.

Each rule is a regular expression over the *compact* view of the draft (``normalize.compact``:
simplified, no spaces, particles or decoration; ``，`` ends a clause and ``。`` a sentence), so
爱 买 不 买啊 and 愛買不買 are the same text here. Placeholders in patterns:

    {E}  the clause ends here (next is ，/。 or the end of the draft)
    {S}  a clause starts here
    {N}  a number (digits or 两三…十百, not 一: 再说一遍 is polite)
    {YOU} 你 or 您

Suggestions are the zh-CN wording an agent could send instead (content, so not translated);
explanations are shown to the agent (user interface, so translated).

Rules are ordered by priority: when two overlap, the gentler text uses the earlier one.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ToneKind(StrEnum):
    # insults, impatience, blaming the customer, profanity
    RUDE = "rude"
    # brushing the customer off: 爱买不买, 不关我事, 你自己看说明
    DISMISSIVE = "dismissive"
    # a promise the agent may not make (exact delivery dates, compensation)
    FORBIDDEN_PROMISE = "forbidden_promise"
    # never in writing: credential requests, off-platform deals, slurs, ad-law claims
    SENSITIVE = "sensitive"


class Scope(StrEnum):
    # the suggestion replaces the matched words
    PHRASE = "phrase"
    # the suggestion replaces the whole clause (the words cannot be swapped in place)
    CLAUSE = "clause"


Suggest = str | Callable[[re.Match[str]], str]


@dataclass(frozen=True)
class ToneRule:
    name: str  # stable id, reported with each finding (tests, statistics, the decision record)
    kind: ToneKind
    pattern: re.Pattern[str]
    explanation: Promise | str
    suggest: Suggest
    scope: Scope = Scope.PHRASE
    # Only a match that is a whole word (or words) by jieba's segmentation counts: 滚 but not
    # 滚筒, sb but not usb. ``words`` are added to the dictionary for that check.
    whole_words: bool = False
    words: frozenset[str] = field(default_factory=frozenset)
    # Searched in the compact text of the clause *before* the match; a hit means the words are
    # not meant the way the rule fears (让您说了好几遍 is an apology; 无法保证明天到 no promise).
    unless_before: re.Pattern[str] | None = None

    def suggestion(self, match: re.Match[str]) -> str:
        return self.suggest(match) if callable(self.suggest) else self.suggest


_PLACEHOLDERS = {
    "{E}": r"(?=[，。]|$)",
    "{S}": r"(?:^|(?<=[，。]))",
    "{N}": r"(?:[0-9两三四五六七八九十百千]+)",
    "{YOU}": r"(?:你|您)",
}


def _re(*alternatives: str) -> re.Pattern[str]:
    pattern = "|".join(f"(?:{a})" for a in alternatives)
    for placeholder, expansion in _PLACEHOLDERS.items():
        pattern = pattern.replace(placeholder, expansion)
    return re.compile(pattern)


def _by_text(choices: dict[str, str], default: str) -> Callable[[re.Match[str]], str]:
    """A suggestion picked by the first key found in the matched text."""

    def suggest(match: re.Match[str]) -> str:
        text = match.group(0)
        for key, suggestion in choices.items():
            if key in text:
                return suggestion
        return default

    return suggest


# Conditions and polite frames: 如果您方便的话，可以看一下说明书 is advice, not a brush-off.
_CONDITIONAL = _re(r"如果|要是|若是|假如|万一|只要")
_POLITE_OR_CONDITIONAL = _re(r"如果|要是|假如|可以|方便|麻烦|请|建议|不妨|也能|也可")
_APOLOGY_FRAME = _re(r"(?:让|麻烦|劳烦|辛苦|害|令)[^，。]{0,2}$")
# Hedges and negations before a promise make it no promise: 无法保证明天到, 尽量明天发货.
_NOT_A_PROMISE = _re(
    r"(?:无法|没法|没办法|不能|不敢|不会|不可以|难以|无权|不一定|未必|不好|尽量|尽力|争取|努力|"
    r"预计|大概|一般|通常|可能|应该)[^，。]{0,4}$",
    r"不$",
)
_WARNING_FRAME = _re(r"(?<!要)不要|勿|别|切勿|不会|绝不|不能|不用|无需|不需要|谨防|防止|小心|提醒")

_TIME = (
    r"(?:今天|明天|后天|今晚|明早|明晚|当天|本周|这周|周[一二三四五六日天]|"
    r"[0-9一二两三四五六七八九十]+个?(?:小时|天|日)(?:之内|以内|内)?|马上)"
)
_ARRIVE = r"(?:送到|送达|到货|到达|寄到|收到|签收|上门|到)"
_SHIP = r"(?:发货|发出|寄出)"
_SURE = r"(?:保证|肯定|一定|绝对|百分之?百|100|包)"
_WE = r"(?:我们?|我这边|这边)?(?:可以|能|会)?(?:向您|跟您|给您)?"


def _delivery_suggestion(match: re.Match[str]) -> str:
    when = match.group("when")
    if re.search(_SHIP, match.group(0)):
        return f"我们会尽快为您安排发货，预计{when}发出，具体以仓库实际处理为准"
    return f"我们会尽快为您安排，预计{when}送达，具体以物流信息为准"


_AD_LAW_WORDS = {
    # Absolute claims the Advertising Law (广告法 §9) forbids; each with a claim one can stand by.
    "全网最低": "很有竞争力",
    "史上最低": "很优惠",
    "全网第一": "广受好评",
    "全国第一": "广受好评",
    "世界第一": "广受好评",
    "销量第一": "销量很好",
    "第一品牌": "知名品牌",
    "国家级": "专业",
    "最高级": "高品质",
    "顶级": "优质",
    "独一无二": "很有特色",
    "零风险": "有保障",
    "无副作用": "温和",
    "万能": "多用途",
}
_SLURS = ("乡巴佬", "土包子", "穷鬼", "穷光蛋", "屌丝", "娘炮", "黑鬼", "残废", "老不死", "死胖子")
_PROFANITY = ("他妈的", "他妈", "妈的", "tmd", "卧槽", "我操", "草泥马", "尼玛", "你妈", "傻逼",
              "傻b", "傻x", "煞笔", "sb", "nmb", "fuck", "shit")  # fmt: skip
_CREDENTIAL = r"(?:手机|短信)?(?:验证码|动态码|校验码|支付密码|银行卡密码|登录密码|密码|cvv|安全码)"

RULES: tuple[ToneRule, ...] = (
    # --- forbidden promises -------------------------------------------------------------------
    ToneRule(
        name="delivery_promise",
        kind=ToneKind.FORBIDDEN_PROMISE,
        pattern=_re(
            rf"{_WE}{_SURE}(?:能|会|可以|让您|给您|帮您)*在?(?P<when>{_TIME})(?:之前)?(?:就|一定|肯定)?(?:能|会|可以)?(?:给您|帮您|为您)?(?:{_SHIP}|{_ARRIVE})",
        ),
        explanation=_("承诺确切的送达或发货时间超出了我们能控制的范围，一旦做不到就会引发投诉。"),
        suggest=_delivery_suggestion,
        unless_before=_NOT_A_PROMISE,
    ),
    ToneRule(
        name="delivery_promise_after_time",
        kind=ToneKind.FORBIDDEN_PROMISE,
        pattern=_re(
            rf"(?P<when>{_TIME})(?:就|也)?(?:保证|肯定|一定|绝对)(?:能|会|可以)?(?:给您|帮您|为您)?(?:{_SHIP}|{_ARRIVE})"
        ),
        explanation=_("承诺确切的送达或发货时间超出了我们能控制的范围，一旦做不到就会引发投诉。"),
        suggest=lambda m: (
            f"预计{m.group('when')}{'发出' if re.search(_SHIP, m.group(0)) else '送达'}，具体以物流信息为准"
        ),
        unless_before=_NOT_A_PROMISE,
    ),
    ToneRule(
        name="compensation_promise",
        kind=ToneKind.FORBIDDEN_PROMISE,
        pattern=_re(
            rf"{_WE}(?:将|为您|给您)?(?:全额|双倍|两倍|三倍|十倍|加倍|{{N}}倍)(?:赔偿|赔付|补偿|赔)",
            r"(?:赔偿|补偿|赔)(?:给)?您?(?:所有|全部|一切)的?损失",
            r"(?:所有|全部|一切)?损失(?:都|全部)?由我们(?:来)?(?:承担|负责|赔)",
        ),
        explanation=_("赔偿的方式和金额要按规定审批，客服不能擅自承诺。"),
        suggest="我们会按照相关规定为您申请相应的补偿",
        unless_before=_NOT_A_PROMISE,
    ),
    ToneRule(
        name="no_recurrence_promise",
        kind=ToneKind.FORBIDDEN_PROMISE,
        pattern=_re(
            r"(?:我们?)?(?:保证|绝对|肯定|一定)(?:以后)?(?:不会|不再)再?(?:出现|发生|有)(?:这种|这样|类似)?的?(?:问题|情况)?"
        ),
        explanation=_("“保证不会再出现”这类绝对承诺无法兑现。"),
        suggest="我们会认真改进，尽力避免类似问题再次发生",
        unless_before=_NOT_A_PROMISE,
    ),
    ToneRule(
        name="absolute_promise",
        kind=ToneKind.FORBIDDEN_PROMISE,
        pattern=_re(
            r"(?:百分之?百|100|绝对)(?:能)?(?:没问题|有效|满意|能解决|解决)",
            r"(?:保证|包)(?:能)?(?:治好|治愈|根治|见效|有效|瘦|美白)",
        ),
        explanation=_("“百分之百”“包治好”等绝对化承诺无法兑现，也可能违反广告法。"),
        suggest=_by_text(
            {
                "治": "效果因人而异",
                "效": "效果因人而异",
                "瘦": "效果因人而异",
                "白": "效果因人而异",
            },
            "我们会尽全力为您处理好",
        ),
        unless_before=_NOT_A_PROMISE,
    ),
    # --- sensitive ----------------------------------------------------------------------------
    ToneRule(
        name="credential_request",
        kind=ToneKind.SENSITIVE,
        pattern=_re(
            rf"(?:把|将)?(?:{{YOU}}的?)?{_CREDENTIAL}(?:发|告诉|报|提供|给|说)(?:一下|下)?(?:给)?(?:我|客服)",
            rf"(?:提供|告诉|发|报|索要|说)(?:一下|下)?(?:给我|我)?(?:{{YOU}}的?)?{_CREDENTIAL}",
        ),
        explanation=_("向顾客索要验证码或密码存在安全风险，也是诈骗常用话术，客服绝不能索要。"),
        suggest="为了您的账户安全，请不要向任何人透露验证码或密码",
        scope=Scope.CLAUSE,
        unless_before=_WARNING_FRAME,
    ),
    ToneRule(
        name="off_platform",
        kind=ToneKind.SENSITIVE,
        pattern=_re(
            r"加(?:一下|下)?我的?(?:个人|私人)?(?:微信|vx|wx|v信|qq|威信)",
            r"(?:私下|线下|私底下)(?:交易|转账|付款|打款|联系|沟通)",
            r"(?:微信|支付宝|银行卡)?转账?(?:给我|到我)",
            r"我的?(?:个人|私人)(?:微信|vx|qq|账户|账号|收款码)",
        ),
        explanation=_("引导顾客到平台外沟通或交易违反平台规则，顾客也会失去保障。"),
        suggest="有任何问题都可以直接在这里联系我们，我们会全程为您跟进",
        scope=Scope.CLAUSE,
        unless_before=_WARNING_FRAME,
    ),
    ToneRule(
        name="slur",
        kind=ToneKind.SENSITIVE,
        pattern=_re("|".join(_SLURS)),
        explanation=_("歧视性用语会冒犯顾客，也可能引发舆情。"),
        suggest="",
        scope=Scope.CLAUSE,
        whole_words=True,
        words=frozenset(_SLURS),
    ),
    ToneRule(
        name="ad_law_claim",
        kind=ToneKind.SENSITIVE,
        pattern=_re("|".join(_AD_LAW_WORDS)),
        explanation=_("“全网最低”“国家级”等绝对化用语违反《广告法》。"),
        suggest=lambda m: _AD_LAW_WORDS[m.group(0)],
        whole_words=True,
        words=frozenset(_AD_LAW_WORDS),
    ),
    # --- rude ---------------------------------------------------------------------------------
    ToneRule(
        name="said_it_many_times",
        kind=ToneKind.RUDE,
        pattern=_re(
            r"(?:我都|我已经|我|都|已经)?(?:说|讲|解释|告诉{YOU}|跟{YOU}说)(?:了|过)*(?:多少|好几|几|{N}|八百|无数|那么多)(?:遍|次)了?(?:还|也)?(?:不懂|不明白|听不懂)?",
            r"还要我(?:说|讲|解释)几遍",
        ),
        explanation=_("抱怨自己重复解释，等于在指责顾客，语气不耐烦。"),
        suggest="我再为您详细说明一下",
        unless_before=_APOLOGY_FRAME,
    ),
    ToneRule(
        name="cannot_understand",
        kind=ToneKind.RUDE,
        pattern=_re(
            r"{YOU}(?:是不是|是|到底|还|怎么)?(?:听|看)不(?:懂|明白)(?:人话|中文|字)?(?:吗|么)",
            r"{YOU}?(?:是不是|到底|怎么)(?:听|看)不(?:懂|明白)(?:人话|中文|字)?",
            r"{YOU}(?:是|到底|还)?(?:听|看)不(?:懂|明白){E}",
            r"听不懂人话",
            r"{YOU}?(?:不识字|识字(?:吗|么)|是文盲|眼瞎|瞎了|是瞎子)",
            r"{YOU}?(?:没|没有)长(?:眼睛|耳朵)",
        ),
        explanation=_("质疑顾客的理解能力，是对顾客的不尊重。"),
        suggest="可能是我刚才没有解释清楚，我换个方式再为您说明一下",
        unless_before=_re(r"如果|要是|若是|假如|万一|哪里|有什么|还有|担心"),
    ),
    ToneRule(
        name="insult",
        kind=ToneKind.RUDE,
        pattern=_re(
            r"{YOU}(?:是不是|是|真是|真|太)?(?:有病|有毛病)(?=吗|么|[，。]|$)",
            r"脑子(?:有问题|有病|进水|坏了|秀逗)",
            r"神经病|弱智|白痴|智障|脑残|蠢货|笨蛋|蠢猪",
            r"{YOU}(?:是不是|是|真是|真|太|很|怎么这么|怎么那么|这么)?(?:傻|蠢|笨)(?:了|死了)?(?:吗|么)?{E}",
        ),
        explanation=_("带有人身攻击的用语，绝不能对顾客使用。"),
        suggest="抱歉，可能是我没有表达清楚",
    ),
    ToneRule(
        name="annoyed",
        kind=ToneKind.RUDE,
        pattern=_re(
            r"{YOU}?(?:烦不烦|有完没完)",
            r"烦死了?|别烦我",
            r"(?:别|不要)再?问了",
            r"{YOU}(?:真|好|太)?(?:烦人|烦|啰嗦|罗嗦|啰唆){E}",
            r"{YOU}?怎么(?:这么|那么)多(?:事|问题)",
        ),
        explanation=_("表现出厌烦，会让顾客觉得被嫌弃。"),
        suggest="您还有什么疑问都可以告诉我，我会耐心为您解答",
    ),
    ToneRule(
        name="blame_customer",
        kind=ToneKind.RUDE,
        pattern=_re(
            r"怪{YOU}自己",
            # 您的问题 alone is how every polite reply starts (关于您的问题…): only "it is your
            # fault" counts, or 你自己 + a fault.
            r"(?:都是|是|这是|那是){YOU}自?己?(?:的问题|的错|的责任)(?!吗)",
            r"{YOU}自己(?:的问题|的错|的责任)(?!吗)",
            r"{YOU}自?己?(?:操作不当|没看清楚?|不看清楚?|用错了?|弄坏的?)(?!吗)",
            r"谁让{YOU}",
        ),
        explanation=_("把责任归咎于顾客，容易激化矛盾。"),
        suggest="我们一起来看看怎么解决",
        unless_before=_re(r"不是$|如果|要是|假如|是否|不一定"),
    ),
    ToneRule(
        name="mock_spending",
        kind=ToneKind.RUDE,
        pattern=_re(
            r"(?:买不起|嫌贵|舍不得|没钱|穷)(?:的话)?就?(?:别|不要|甭)(?:买|看|问)",
            r"(?:不懂|不会用)(?:的话)?就?(?:别|不要|甭)(?:买|用)",
        ),
        explanation=_("嘲讽顾客的消费能力或使用能力，是严重的冒犯。"),
        suggest=_by_text(
            {
                "不懂": "使用上有任何问题我都可以为您讲解",
                "不会": "使用上有任何问题我都可以为您讲解",
            },
            "我们也有其他价位的款式，我可以为您推荐",
        ),
    ),
    ToneRule(
        name="confrontational_question",
        kind=ToneKind.RUDE,
        pattern=_re(
            r"(?:那)?{YOU}(?:到底)?还?想(?:怎么样|怎样|咋样|干什么|干)(?=吗|么|[，。]|$)",
            r"{YOU}到底(?:要|买|想)不(?:要|买|想)",
        ),
        explanation=_("用反问的方式质问顾客，带有对抗情绪。"),
        suggest="您希望我们怎么处理，我会尽力为您安排",
    ),
    ToneRule(
        name="get_lost",
        kind=ToneKind.RUDE,
        pattern=_re(r"(?:你|您)?(?:给我)?(?:滚(?:蛋|开|出去|远点|一边去)?|去死|找死)"),
        explanation=_("驱赶、咒骂顾客的粗鲁用语。"),
        suggest="如有其他需要，欢迎随时联系我们",
        whole_words=True,
        words=frozenset({"滚", "滚蛋", "滚开", "去死", "找死", "滚出去"}),
    ),
    ToneRule(
        name="profanity",
        kind=ToneKind.RUDE,
        pattern=_re(*_PROFANITY, r"(?:我靠|操){E}"),
        explanation=_("脏话和粗口不能出现在回复中。"),
        suggest="",
        whole_words=True,
        words=frozenset((*_PROFANITY, "我靠", "操")),
    ),
    # --- dismissive ---------------------------------------------------------------------------
    ToneRule(
        name="take_it_or_leave_it",
        kind=ToneKind.DISMISSIVE,
        # 爱买不买, 爱信不信, 爱要不要, 爱退货不退货, 爱买，不买
        pattern=_re(r"爱(?P<verb>[\u4e00-\u9fff]{1,2})，?不(?P=verb)"),
        explanation=_("“爱买不买”这类“爱X不X”的说法带有赶客、无所谓的意味，会让顾客觉得不被尊重。"),
        suggest=lambda m: {
            "信": "我理解您的顾虑，可以把相关的凭证发给您参考",
            "用": "使用上有任何问题我都可以为您解答",
            "退": "退换货的流程我来帮您办理",
            "换": "退换货的流程我来帮您办理",
            "等": "给您带来不便非常抱歉，我会尽快帮您催促处理",
        }.get(m.group("verb")[0], "您可以再考虑一下，有任何疑问我都可以帮您解答"),
    ),
    ToneRule(
        name="read_it_yourself",
        kind=ToneKind.DISMISSIVE,
        pattern=_re(
            r"{YOU}?(?:自己)(?:去|再|先)?(?:查看|看看|看|查|翻|读|找|研究)(?:一下|下|一遍)?(?P<what>说明书|使用说明|说明|详情页|详情|介绍|页面|商品页|订单|物流|后台|网站|官网)",
            r"{YOU}?自己(?:去|再)?(?:看看|看|查|想|琢磨|研究)(?:一下|下)?{E}",
            r"自己看着办",
            r"你(?:去|就)?(?:看|查|翻)(?:一下|下)?(?:说明书|说明){E}",
        ),
        explanation=_("让顾客“自己去看”显得敷衍，顾客会觉得问题被推回给了自己。"),
        suggest=_by_text(
            {
                "说明": "具体操作我来一步步为您说明，也可以参考说明书中的相关步骤",
                "订单": "我这就帮您查询一下",
                "物流": "我这就帮您查询一下",
                "看着办": "您看哪种方式更合适，我可以给您一些建议",
            },
            "我来为您详细说明一下",
        ),
        unless_before=_POLITE_OR_CONDITIONAL,
    ),
    ToneRule(
        name="not_my_business",
        kind=ToneKind.DISMISSIVE,
        pattern=_re(
            r"(?:这|那|这事|那事|这个)?(?:也|又|可)?不关我们?(?:的|什么|啥)?事",
            r"(?:跟|和|与)我们?(?:没有?|有什么|有啥)关系",
            r"(?:跟|和|与)我们?无关",
            r"(?:这|那)?不归我们?管",
            r"(?:这|那)?(?:又)?不是我们?(?:的)?(?:问题|责任|错)",
        ),
        explanation=_("推卸责任的说法会让顾客觉得没人管，容易升级为投诉。"),
        suggest=_by_text(
            {
                "管": "这个问题我帮您转给负责的同事跟进",
                "问题": "我们先帮您查明原因",
                "责任": "我们先帮您查明原因",
                "错": "我们先帮您查明原因",
            },
            "这个问题我来帮您协调处理",
        ),
        unless_before=_re(r"如果|若是|只要|假如|要是|确认|核实|是否"),
    ),
    ToneRule(
        name="nothing_i_can_do",
        kind=ToneKind.DISMISSIVE,
        pattern=_re(
            r"(?:我们?|我这边|这边|这个)?(?:也|都)?(?:真的|实在|确实)?(?<!有)没有?(?:办法|辙)了?{E}",
            r"(?:我们?)?也?无能为力|爱莫能助",
        ),
        explanation=_("只说“没办法”而不给出下一步，会让顾客觉得被打发。"),
        suggest="这个情况我这边暂时无法直接处理，我会尽力帮您想办法",
        unless_before=_CONDITIONAL,
    ),
    ToneRule(
        name="whatever",
        kind=ToneKind.DISMISSIVE,
        pattern=_re(
            r"随便?{YOU}们?便?(?:怎么(?:想|说|办|弄|样))?{E}",
            r"{S}随便了?{E}",
            r"{S}我?无所谓{E}",
        ),
        explanation=_("“随便你”听起来不耐烦，也不在乎顾客的感受。"),
        suggest="您看哪种方式更方便，我都可以配合您",
    ),
    ToneRule(
        name="go_elsewhere",
        kind=ToneKind.DISMISSIVE,
        pattern=_re(
            r"{YOU}(?:自己)?去?(?:找|问)(?P<who>快递|物流|厂家|商家|别人|其他人|平台)去?{E}",
            r"(?:找|问)(?P<who2>快递|物流|厂家|商家|别人|其他人|平台)去{E}",
            r"{YOU}?爱找谁找谁|{YOU}?找谁都没用",
        ),
        explanation=_("把顾客推给别人处理显得敷衍，应由我们主动对接。"),
        suggest=lambda m: (
            f"我这边帮您联系{who}核实"
            if (who := m.group("who") or m.group("who2")) and who not in ("别人", "其他人")
            else "我这边帮您联系相关同事核实"
        ),
        unless_before=_POLITE_OR_CONDITIONAL,
    ),
    ToneRule(
        name="i_dont_know",
        kind=ToneKind.DISMISSIVE,
        pattern=_re(r"{S}(?:这个|这|那)?我也?不太?(?:知道|清楚)了?{E}", r"{S}(?:我哪|谁)知道{E}"),
        explanation=_("直接说“不知道”显得不负责任，应该承诺去确认。"),
        suggest="这个问题我帮您确认一下，稍后给您答复",
    ),
    ToneRule(
        name="too_busy",
        kind=ToneKind.DISMISSIVE,
        pattern=_re(
            r"我(?:现在|这会儿?)?(?:很忙|太忙了?|在忙|忙着|没空|没时间)(?:管|理|回)?(?:你|您)?{E}",
            r"没空(?:理|管)(?:你|您)",
        ),
        explanation=_("告诉顾客自己很忙，会让顾客觉得不被重视。"),
        suggest="我这边稍后为您处理，请您稍等",
    ),
    ToneRule(
        name="no_reason",
        kind=ToneKind.DISMISSIVE,
        pattern=_re(r"没有?为什么{E}", r"{S}(?:公司)?(?:规定|规矩|政策)就?是这样的?{E}"),
        explanation=_("只搬出规定而不解释原因，会让顾客觉得被敷衍。"),
        suggest="非常抱歉，这是目前的规定，我来为您说明原因，也帮您看看有没有其他办法",
    ),
    ToneRule(
        name="go_complain",
        kind=ToneKind.DISMISSIVE,
        pattern=_re(
            r"(?:那)?{YOU}就?去?投诉(?:去|好了)?{E}",
            r"随便{YOU}?投诉",
            r"投诉(?:也|都)?没有?用",
        ),
        explanation=_("挑衅顾客去投诉会激化矛盾。"),
        suggest="非常抱歉给您带来不好的体验，我会尽力为您解决",
    ),
    ToneRule(
        name="end_of_discussion",
        kind=ToneKind.DISMISSIVE,
        pattern=_re(
            r"{S}(?:那|反正|总之)?就(?:这样|这么着)了?{E}",
            r"{S}(?:等|有事)?(?:明天|以后|改天|下次|回头)再说{E}",
        ),
        explanation=_("生硬地结束对话，会让顾客觉得被打发。"),
        suggest="如果还有其他问题，欢迎随时联系我",
    ),
)

# Words the workspace adds at check time get these (their kind decides which).
WORKSPACE_EXPLANATIONS: dict[ToneKind, Promise] = {
    ToneKind.RUDE: _("该用语在本工作区的粗鲁/敷衍用语列表中。"),
    ToneKind.FORBIDDEN_PROMISE: _("该承诺在本工作区的禁止承诺列表中。"),
    ToneKind.SENSITIVE: _("该词在本工作区的敏感词列表中。"),
}
# A workspace entry without its own suggestion replaces its clause with this (or drops it).
WORKSPACE_SUGGESTIONS: dict[ToneKind, str] = {
    ToneKind.RUDE: "",
    ToneKind.FORBIDDEN_PROMISE: "我们会尽力为您处理，具体以实际情况为准",
    ToneKind.SENSITIVE: "",
}
WORKSPACE_GUARDS: dict[ToneKind, re.Pattern[str] | None] = {
    ToneKind.RUDE: None,
    ToneKind.FORBIDDEN_PROMISE: _NOT_A_PROMISE,
    ToneKind.SENSITIVE: None,
}

# The words are quoted or talked about, not said to the customer: 我们绝不会说“不关我事”,
# 您说的“保证明天到”是哪位同事承诺的.
SPEECH_BEFORE_QUOTE = _re(
    r"说|讲|回复|回答|答复|告诉|表示|称|写|用|骂|这种|这样|这句|类似|比如|例如|诸如|禁止|严禁|避免"
)
NEGATED_SPEECH_BEFORE = _re(
    r"(?:不会|不能|绝不|绝对不会|不该|不应该|不可以|别|不要|严禁|禁止|避免|从不|从来不)再?(?:对|跟|和|向)?(?:您|你|顾客|客户)?(?:说|讲|回复|回答)出?$"
)
MENTION_AFTER = _re(
    r"^(?:这样|这种|之类|这类|一类|诸如此类)的?(?:话|说法|字眼|用语|词|态度|回复|表述)"
)
