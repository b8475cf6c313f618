"""Request and response shapes of auto-reply's API (the knowledge base and the test box)."""

from datetime import datetime

from ninja import Schema
from pydantic import Field


class AnswerIn(Schema):
    """What the bot sends. Checked by the service (code ``answer_invalid``): text needs
    ``text``; link ``url``; image ``media_id`` or ``url``; article ``title`` and ``url``."""

    kind: str = Field("text", description="text | link | image | article")
    text: str = ""
    url: str = ""
    media_id: str = Field("", description="a WeChat permanent material id (image)")
    title: str = Field("", description="article title")
    description: str = Field("", description="article description")
    picurl: str = Field("", description="article cover image")


class AnswerOut(Schema):
    kind: str
    text: str
    url: str
    media_id: str
    title: str
    description: str
    picurl: str


class FaqIn(Schema):
    question: str = Field(description="the standard question, unique in the workspace")
    answer: AnswerIn
    phrasings: list[str] = Field(default_factory=list, description="other ways to ask it")
    tags: list[str] = Field(default_factory=list)
    enabled: bool = True
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class FaqPatch(Schema):
    """Only the fields sent change; ``phrasings`` and ``tags`` replace the lists. Send
    ``valid_from``/``valid_until`` as null to remove a bound."""

    question: str | None = None
    answer: AnswerIn | None = None
    phrasings: list[str] | None = None
    tags: list[str] | None = None
    enabled: bool | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None


class FaqOut(Schema):
    id: int
    question: str
    phrasings: list[str]
    answer: AnswerOut
    tags: list[str]
    enabled: bool
    valid_from: datetime | None
    valid_until: datetime | None
    created_at: datetime
    updated_at: datetime


class FaqPage(Schema):
    items: list[FaqOut]
    count: int


class TestIn(Schema):
    question: str = Field(description="what a customer might ask")


class CandidateOut(Schema):
    faq_id: int
    question: str
    matched: str = Field(description="the phrasing that matched best")
    confidence: float
    why: dict[str, float] = Field(description="the features behind the confidence")


class BotAnswerOut(Schema):
    kind: str
    text: str
    payload: dict[str, str]


class TestOut(Schema):
    outcome: str = Field(description="answered_rule | answered_faq | handed_off")
    reason: str = Field(
        description="for a hand-off: low_confidence | asked_for_person | repeat | frustration"
    )
    answer: BotAnswerOut | None
    faq_id: int | None
    rule_id: int | None
    confidence: float | None
    threshold: float
    candidates: list[CandidateOut]
