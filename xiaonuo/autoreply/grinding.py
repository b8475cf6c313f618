"""Signs that a customer should get a person at once: asking for one, or being fed up with the bot.

Word lists, matched on jieba's words rather than as substrings, because substrings misfire: 人工
inside 人工智能 or 人工费 is not a request for a person, and 客服 in 客服电话是多少 is a question
the bot can answer. So a *strong* phrase (转人工, 人工客服, 找真人, 投诉 …) counts anywhere; a
*weak* word (人工, 客服, 真人) counts only as the whole message (人工！) or right after a verb of
asking for someone (要, 找, 转, 叫, 接, 换 …). Pure functions; no database.
"""

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from xiaonuo.nlp import segment

# Whole words that ask for a person wherever they appear.
STRONG_PERSON_WORDS = frozenset(
    {
        "转人工",
        "人工客服",
        "人工服务",
        "真人客服",
        "找真人",
        "要真人",
        "活人",
        "投诉",
        "接人工",
        "人工坐席",
        "人工座席",
    }
)
# Words that ask for a person only as the whole message or after an asking verb.
WEAK_PERSON_WORDS = frozenset({"人工", "客服", "真人", "人", "客服人员", "工作人员", "小二"})
ASKING_VERBS = frozenset({"要", "找", "转", "叫", "接", "换", "联系", "我要", "给我", "让", "请"})
# Fed up with the bot.
FRUSTRATION_WORDS = frozenset(
    {
        "听不懂",
        "看不懂",
        "答非所问",
        "没用",
        "没有用",
        "废话",
        "智障",
        "弱智",
        "机器人",
        "自动回复",
        "说人话",
        "不是问这个",
        "不是这个意思",
        "牛头不对马嘴",
        "垃圾",
        "什么玩意",
        "破机器",
    }
)
# 什么破… (什么破客服, 什么破回答): contempt for whatever follows.
_CONTEMPT = re.compile(r"什么破|啥破|破系统|破机器人")
# Extra words for segmentation, so jieba keeps each phrase whole.
_EXTRA_WORDS = (
    STRONG_PERSON_WORDS | FRUSTRATION_WORDS | {"客服人员", "工作人员", "人工坐席", "人工座席"}
)
_PUNCTUATION = re.compile(r"[\W_]+")
NEAR_IDENTICAL = 0.85  # difflib's similarity ratio: one character in ten may differ
SHORT_MESSAGE_CHARS = 6  # 人工！, 我要客服, 客服呢: short enough to mean "a person, please"


def _words(text: str) -> list[str]:
    return [w for w in segment.cut(text, words=_EXTRA_WORDS) if not _PUNCTUATION.fullmatch(w)]


@dataclass(frozen=True)
class Signals:
    asks_for_person: bool
    frustrated: bool


def signals(text: str) -> Signals:
    """Both signs from one segmentation of ``text`` (the live path reads both per message)."""
    words = _words(text)
    return Signals(_asks_for_person(text, words), _frustrated(text, words))


def asks_for_person(text: str) -> bool:
    return _asks_for_person(text, _words(text))


def is_frustrated(text: str) -> bool:
    return _frustrated(text, _words(text))


def _asks_for_person(text: str, words: list[str]) -> bool:
    if any(w in STRONG_PERSON_WORDS for w in words):
        return True
    compact = _PUNCTUATION.sub("", text)
    for i, word in enumerate(words):
        if word not in WEAK_PERSON_WORDS:
            continue
        # The asking verb may stand a word or two before (叫个客服, 找一下人工).
        asked = any(w in ASKING_VERBS for w in words[max(0, i - 3) : i])
        if word == "人" and not asked:
            continue  # 人 alone is too common (几个人 is a question, not a request)
        if asked or len(compact) <= SHORT_MESSAGE_CHARS:
            return True
    return False


def _frustrated(text: str, words: list[str]) -> bool:
    if _CONTEMPT.search(text):
        return True
    return any(w in FRUSTRATION_WORDS for w in words)


def near_identical(a: str, b: str) -> bool:
    """Two messages that say the same thing: a copy, or a copy with a few characters added,
    dropped or changed (punctuation and case ignored; the first 200 characters compared)."""
    a = _PUNCTUATION.sub("", a.lower())[:200]
    b = _PUNCTUATION.sub("", b.lower())[:200]
    if not a or not b:
        return False
    return a == b or SequenceMatcher(None, a, b, autojunk=False).ratio() >= NEAR_IDENTICAL
