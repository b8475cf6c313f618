"""Praise in a customer's words: does this message or survey comment thank or praise the desk?

    detect_praise("小王服务太好了，谢谢").is_praise        → True
    detect_praise("请问什么时候发货？谢谢").is_praise       → False (politeness, not praise)
    detect_praise("服务真好，三天都没人理我").is_praise     → False (sarcasm: a complaint follows)

For the praise board ("people who are thanked by users stay"), so precision matters more than
recall: a board full of "谢谢" after every question would thank nobody in particular.

How: the text is folded into the tone check's compact view (``normalize``: traditional →
simplified, no spaces, particles or symbols), split into clauses, and matched against
- *praise* patterns: a service subject with a positive word (服务太好了, 客服很耐心, 回复超快),
  thanks with an object or an intensifier (谢谢你们客服, 非常感谢, 感谢你的耐心), and set
  phrases (点赞, 辛苦了, 帮了大忙). Bare thanks (好的谢谢, 请问…？谢谢) are politeness; they
  count only beside a resolution (问题解决了，谢谢). *Weak* phrases (满意, 好评, 满分, 赞)
  count only when the message asks nothing: 上次的很满意，有优惠吗 is a question about a product.
- guards, each a common way praise words are used without praise: a negation before the phrase
  (不满意, 不太专业); a question (你们服务好吗？, 能不能专业一点); a wish or hearsay (希望客服能
  耐心一点, 朋友说你们服务很好); a comparison (别人家客服都很专业).
- sarcasm and mixed messages: explicit cues (呵呵, [微笑], 🙂, 谢谢你全家, 可真行, 好一个, scare
  quotes around a praise word: 好一个"贴心"服务); a judgement of the service anywhere (没人理,
  敷衍, 差评, 为什么…) unless a turn (不过, 还好, 但是 …) leads from it to the praise; and a
  complaint of fact (等了十天, 一周了, 还没到, 发错) *after* the praise — 服务真棒，退个款要一个
  月 — while the same fact *before* it is the usual story of a problem put right (东西坏了，
  客服马上给补发了，很满意).

Known limits (docs/decisions/0012-surveys.md): sarcasm without a cue (服务真好 said through
gritted teeth reads as praise; 谢谢你啊，真是好服务 is missed only because 好服务 is not a
pattern); praise of the product rather than the service when it uses service
words; dialect and internet slang beyond the lists; long messages that praise one thing and
complain of another without a marker. Measured on ``evaluation/praise_cases.tsv`` (tuned) and
``praise_holdout.tsv`` (``python -m xiaonuo.nlp.evaluation.praise``).

Pure function, no database: safe from any thread. jieba (``segment``) decides whether a
one-character word such as 赞 or 棒 stands on its own (赞助, 棒球 are not praise).
"""

import re
from dataclasses import dataclass

from xiaonuo.nlp import segment
from xiaonuo.nlp.normalize import CLAUSE_BREAK, SENTENCE_END, CompactText, compact, fold

__all__ = ["PraiseReport", "detect_praise"]

# Characters are written against the compact view: simplified, no spaces, no particles (啊 吧
# 呢 …), no punctuation except 。 (sentence end) and ， (clause break).
_INTENSE = "(?:真的|真是|实在|特别|非常|十分|相当|超级|确实|这么|那么|如此|真|很|太|超|挺|蛮|好|也|都|还|又|最)"
_SUBJECT = (
    "(?:服务|态度|客服|售后|回复|回答|答复|处理|速度|效率|解答|讲解|解释|讲|体验|小姐姐|小哥哥"
    "|小哥|妹子|人|小[\u4e00-\u9fff])"
)
_POSITIVE = (
    "(?:有耐心|耐心|专业|贴心|周到|热情|细心|及时|给力|靠谱|负责|温柔|到位|暖心|用心|不错|优秀"
    "|一流|清楚|明白|没话说|满分|满意|好|棒|赞|快|高|nice|good)"
)
_THANKS = "(?:谢谢|感谢|多谢|感恩)"
_THANKED_FOR = "(?:帮助|帮忙|耐心|解答|服务|用心|跟进|处理|提醒|照顾|付出|辛苦|支持|关心|客服|小[\u4e00-\u9fff])"

# Strong: praise wherever it stands (unless a guard below applies).
_STRONG = [
    re.compile(p)
    for p in (
        rf"{_SUBJECT}(?:的|得)?{_INTENSE}*(?:得|地)?{_INTENSE}*{_POSITIVE}",
        rf"(?:{_INTENSE}|衷心|由衷|真心|万分){_INTENSE}*(?:地)?{_THANKS}",
        rf"{_THANKS}(?:你们|你|您|亲|大家)?(?:的|这么|那么)?{_THANKED_FOR}",
        rf"{_THANKS}(?:你们|你|您|亲)?(?:这么|那么)(?:快|用心|耐心|细心)",
        rf"{_INTENSE}+(?:有耐心|耐心|专业|贴心|周到|热情|细心|给力|靠谱|负责|暖心|用心)",
        r"(?:这么|那么|很|非常|最|超|特别|如此)(?:好|耐心|专业|负责|贴心|热情|细心)的(?:客服|小姐姐|小哥哥|服务|售后|人)",
        r"点赞|点个赞|赞一个|大大的赞|一个赞|赞赞|加鸡腿|表扬|辛苦了|辛苦你|辛苦您|多谢多谢|谢谢谢谢",
        r"帮了(?:我)?(?:大忙|很多|不少)|省了(?:好多|很多|不少)事|没话说|太给力|靠谱|暖心|感动",
        r"必须好评|五星好评|还会再来|下次还(?:来|买|找)|推荐(?:给)?朋友",
    )
]
# Weak: praise only in a message that asks nothing (see the module docstring).
_WEAK = [
    re.compile(p)
    for p in (
        rf"(?:{_INTENSE}|给){_INTENSE}*满意|满分|好评|五星|(?<![一有])赞|(?<![一])棒",
        rf"{_THANKS}(?:你们|大家)",
    )
]
# Bare thanks: praise only beside a resolution.
_BARE_THANKS = re.compile(rf"{_THANKS}|谢了|谢啦")
_RESOLVED = re.compile(r"解决了|搞定了|到账了|收到了|明白了|懂了|弄好了|修好了|成功了|可以用了")
# Words that are not praise though a pattern above matches them.
_NOT_PRAISE = re.compile(r"满意度|好评返现|返现|好评率|差评|好不好|好吗|好了没|快点|快一点|好一点")

# Guards in the praise's own clause, before it.
_NEGATION_BEFORE = re.compile(
    r"(?:不|没|没有|不太|不够|不是很|不怎么|一点都不|一点也不|并不|毫不|谈不上|算不上|称不上|不算)$"
)
_HEARSAY_OR_WISH = re.compile(
    r"说|听说|据说|希望|要是|如果|假如|但愿|建议|应该|别人|别家|人家|其他家|其他|同行|能不能|可不可以"
)
_QUESTION = re.compile(
    r"[?？]|吗|么$|能不能|可不可以|是不是|难道|怎么|为什么|为何|好不好|行不行|哪里|哪位|哪个|什么"
    r"|是吧|对吧|几点|多少|在吗|请问|想问|谁"
)
_REQUEST = re.compile(r"帮我|麻烦|请|能否|可以吗|想要|我要|我想")

# Sarcasm cues, on the folded text (they live in what the compact view drops).
_SARCASM = re.compile(
    r"呵呵|嗬嗬|\[微笑\]|\[呵呵\]|\[白眼\]|🙂|🙃|😅|😒|🙄|😓|谢谢你全家|谢谢你们全家|谢你吉言"
    r"|可真行|真有你的|好一个|服了你|真是服了|服了你们|真行啊|可真是"
)
_QUOTED = re.compile(r"[“\"‘'「『]([^”\"’'」』]{1,8})[”\"’'」』]")
_QUOTED_PRAISE = re.compile(
    r"贴心|耐心|高效|专业|周到|负责|热情|及时|优质|好服务|服务|快|优秀|靠谱|用心|满意"
)

# A judgement of the service: cancels praise unless a turn leads from it to the praise.
_JUDGEMENT = re.compile(
    r"没人理|没人管|不理人|不理我|不回复|不回了|没回复|没人回|敷衍|推卸|踢皮球|差劲|太差|很差|真差"
    r"|垃圾|失望|无语|气死|生气|愤怒|恶心|差评|投诉|举报|曝光|12315|消协|再也不|拉黑|坑人|骗子"
    r"|骗人|不满意|不专业|不耐心|态度差|态度不好|服务差|服务不好|不怎么样|一般般|差远了|太慢"
    r"|效率太低|有什么用|没用|为什么|为何|怎么这么|就是这样|这也叫|还在审核|没解决|没有解决"
    r"|未解决|问题越来越多|越来越差|不靠谱|没下文|石沉大海"
)
# Not judgements when negated: 一点都不敷衍 praises.
_NEGATED_JUDGEMENT = re.compile(r"(?:不|没|没有|从不|一点都不|一点也不|毫不|并不|绝不)$")
# A complaint of fact: harmless before the praise (the story of a fix), sarcasm after it.
_DURATION = r"(?:[一二两三四五六七八九十几好半\d]+|好几)(?:个)?(?:天|周|星期|礼拜|月|小时)"
_FACT = re.compile(
    rf"(?:等了|要|花了|拖了|过了|用了){_DURATION}|{_DURATION}(?:了|都|还)|还没|一直没|至今没"
    r"|迟迟|发错|错发|漏发|白跑|又坏|还是坏|问了.遍|说了.遍"
)
# A turn from a complaint to what followed: 之前等了好久，不过客服很快帮我解决了.
_TURN = re.compile(r"不过|还好|好在|幸亏|幸好|后来|最后|终于|但是|可是|但")


Span = tuple[int, int]  # compact offsets, end exclusive


@dataclass(frozen=True)
class PraiseReport:
    is_praise: bool
    phrases: tuple[str, ...]  # the praise as written (spans of the input), when found
    # Why not: "" (it is praise), "no_praise", "sarcasm", "negative" (a judgement, or a
    # complaint after the praise), "asks" (weak praise in a message that asks something).
    reason: str


@dataclass(frozen=True)
class _Clause:
    start: int  # compact offsets, end exclusive, without the break
    end: int
    question: bool  # 你们服务好吗？ 能不能专业一点: no praise in it
    request: bool  # 麻烦帮我查一下


def detect_praise(text: str) -> PraiseReport:
    """See the module docstring."""
    if not text or not text.strip():
        return PraiseReport(False, (), "no_praise")
    folded = fold(text)
    if _SARCASM.search(folded) or _quoted_praise(folded):
        return PraiseReport(False, (), "sarcasm")
    view = compact(text)
    clauses = _clauses(view)
    strong, weak, bare = _praise_spans(view, clauses)
    asks = any(c.question or c.request for c in clauses)
    spans = strong + ([] if asks else weak)
    if not spans and bare and _RESOLVED.search(view.compact):
        spans = bare
    if not spans:
        return PraiseReport(False, (), "asks" if weak else "no_praise")
    if _negative_around(view.compact, spans):
        return PraiseReport(False, (), "negative")
    phrases = tuple(view.original[slice(*view.span(s, e))] for s, e in _merged(spans))
    return PraiseReport(True, phrases, "")


def _merged(spans: list[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _quoted_praise(folded: str) -> bool:
    """Scare quotes: 好一个"贴心"服务, 谢谢你们的"耐心"解答."""
    return any(_QUOTED_PRAISE.search(m.group(1)) for m in _QUOTED.finditer(folded))


def _clauses(view: CompactText) -> list[_Clause]:
    text = view.compact
    clauses: list[_Clause] = []
    start = 0
    for i, ch in enumerate([*text, SENTENCE_END]):
        if ch not in (SENTENCE_END, CLAUSE_BREAK):
            continue
        if i > start:
            # The clause as written, with its own punctuation (the compact view drops "？").
            first = view.positions[start]
            last = view.positions[i] + 1 if i < len(text) else len(view.original)
            written = view.folded[first:last]
            clauses.append(
                _Clause(start, i, bool(_QUESTION.search(written)), bool(_REQUEST.search(written)))
            )
        start = i + 1
    return clauses


def _praise_spans(
    view: CompactText, clauses: list[_Clause]
) -> tuple[list[Span], list[Span], list[Span]]:
    strong: list[Span] = []
    weak: list[Span] = []
    bare: list[Span] = []
    text = view.compact
    for clause in clauses:
        body = text[clause.start : clause.end]
        if clause.question:
            continue
        for patterns, found in ((_STRONG, strong), (_WEAK, weak)):
            for pattern in patterns:
                for m in pattern.finditer(body):
                    if _meant(view, clause, m.start(), m.end()):
                        found.append((clause.start + m.start(), clause.start + m.end()))
        bare.extend(
            (clause.start + m.start(), clause.start + m.end()) for m in _BARE_THANKS.finditer(body)
        )
    return strong, weak, bare


def _meant(view: CompactText, clause: _Clause, start: int, end: int) -> bool:
    body = view.compact[clause.start : clause.end]
    before = body[:start]
    if _NEGATION_BEFORE.search(before) or _HEARSAY_OR_WISH.search(before):
        return False
    if _NOT_PRAISE.search(body[max(0, start - 2) : end + 3]):
        return False
    word = _word_at(body, start)
    if (
        body[start:end] in ("赞", "棒")
        and word.end > end
        and body[end : word.end].strip("赞棒了哒啦")
    ):
        return False  # 赞助, 棒球, 称赞 is fine (extends to the left)
    if body[start] == "人" and word.start < start:
        return False  # 客人很好, 别人很好
    return not body[end:].startswith(("一点", "一些", "点"))  # 专业一点: a wish


def _word_at(body: str, index: int) -> segment.Token:
    """The word (by jieba) that holds the character at ``index``."""
    for token in segment.tokenize(body):
        if token.start <= index < token.end:
            return token
    return segment.Token(body[index], index, index + 1)


def _negative_around(text: str, spans: list[Span]) -> bool:
    """A judgement after the last turn before the praise, or a complaint of fact after it."""
    first_praise = min(s for s, _ in spans)
    last_praise = max(s for s, _ in spans)
    turns = [m.end() for m in _TURN.finditer(text) if m.end() <= last_praise]
    region = max(turns) if turns else 0
    for m in _JUDGEMENT.finditer(text, region):
        if not _NEGATED_JUDGEMENT.search(text[max(0, m.start() - 4) : m.start()]):
            return True
    return any(m.start() >= first_praise for m in _FACT.finditer(text, region))
