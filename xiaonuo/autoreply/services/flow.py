"""The live path: a customer's message in, Xiaonuo's answer (or a person) out.

``respond`` is what a channel that answers in its own HTTP response calls (the WeChat callback,
through ``channels/autoreply_port.py`` and ``listeners.CHANNEL_AUTOREPLY``). It must hold
hundreds of messages a second, so past the desk's ``receive_message`` it reads two rows (the
settings, which carry the knowledge base's revision, and the conversation's recent bot log),
matches in memory (``engine.py``) and writes one answer or one hand-off.

Order of decisions for a message:

1. a person already has the ticket (the bot handed it off and it is not closed) → silent;
2. the customer asks for a person, or is fed up with the bot → hand off, priority raised;
3. the same question for the ``repeat_count``-th time within ``repeat_window_minutes`` (same
   entry, or near-identical text) → hand off, priority raised;
4. a keyword rule (highest priority first) → its answer;
5. the matcher's best entry at or above the workspace's threshold → its answer;
6. otherwise → hand off with the top suggestions, and the question is kept as unanswered.

A bot answer marks the ticket SOLVED (see ``desk.services.record_bot_reply``): it leaves the
inbox, and the customer's next message reopens it.
"""

import logging
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import engine, grinding
from xiaonuo.autoreply import selectors as autoreply_selectors
from xiaonuo.autoreply.grinding import near_identical
from xiaonuo.autoreply.matching import Candidate
from xiaonuo.autoreply.models import (
    AnswerKind,
    AutoReplySettings,
    FaqEntry,
    HandOffReason,
    KeywordRule,
    MatchFeedback,
    MatchType,
    Outcome,
    ReplyLog,
    UnansweredQuestion,
)
from xiaonuo.autoreply.services.knowledge import Answer, answer_of, bump_revision, clean_question
from xiaonuo.channels.autoreply_port import BotAnswer, PassiveReply
from xiaonuo.channels.inbound import InboundMessage
from xiaonuo.customers import selectors as customers_selectors
from xiaonuo.customers import services as customers_services
from xiaonuo.customers.models import IdentityKind
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import Message, TicketPriority
from xiaonuo.desk.services import Received

logger = logging.getLogger(__name__)

SUGGESTIONS = 5  # candidates kept with every decision: the agent's suggestion panel
RECENT_ROWS = 20  # a conversation's latest bot decisions read per message (repeats, hand-off)
# The tag a WeChat follower carries while subscribed (customers' tags are data, not UI text).
SUBSCRIBED_TAG = "公众号关注"


@dataclass(frozen=True)
class _Decision:
    outcome: str
    reason: str = HandOffReason.NONE
    entry_id: int | None = None
    rule_id: int | None = None
    confidence: float | None = None
    answer: Answer | None = None


def respond(
    *, workspace: Workspace, inbound: InboundMessage, passive: PassiveReply | None = None
) -> BotAnswer | None:
    """Store the customer's message in the desk, then answer it or hand it to a person.

    Returns the answer (stored in the conversation) or None: handed off, auto-reply off for this
    workspace or channel, or a redelivery of a message already handled (nothing is answered
    twice).

    The matching and the word-list checks run before any write, so the database's write lock
    (all of it, on SQLite) is held only for the writes. The customer's message and the bot's
    decision then commit together, once; the decision runs in a savepoint, so a failure of the
    bot rolls back only its own writes: it is logged, the message stays, and the ticket waits
    for a person.

    ``passive`` (a channel answering in its own HTTP response, see ``autoreply_port``): its
    ``claim`` is the transaction's first write, and the answer is stored already settled —
    DELIVERED when ``in_time`` says the response carries it (``BotAnswer.in_reply``), else
    pushed on commit. Without it, the answer is PENDING until ``settle``.
    """
    settings_row = _settings(workspace)
    active = settings_row.enabled and _kind_of(inbound.channel_id) in settings_row.channel_kinds
    thought = _think(settings_row, (inbound.text or "").strip()) if active else None
    with transaction.atomic():
        if passive is not None and not passive.claim():
            return None  # a copy of a message another request has (or is) handling
        # No savepoint of its own: if the message cannot be stored, nothing of it (the claim
        # included) is.
        received = desk_services.receive_message(
            workspace=workspace, inbound=inbound, savepoint=False
        )
        if received.duplicate or thought is None:
            return None
        try:
            with transaction.atomic():
                return _decide_and_act(
                    workspace=workspace,
                    settings_row=settings_row,
                    received=received,
                    thought=thought,
                    passive=passive,
                )
        except Exception:
            logger.exception("auto-reply failed for message %s", received.message.pk)
            return None


@dataclass(frozen=True)
class _Thought:
    """What the bot makes of a message's text alone, before anything is stored."""

    brain: engine.Brain
    candidates: list[Candidate]
    asks_for_person: bool
    frustrated: bool


def _thought(settings_row: AutoReplySettings, text: str, *, k: int = SUGGESTIONS) -> _Thought:
    brain = engine.brain_for(settings_row)
    signs = grinding.signals(text)
    return _Thought(
        brain=brain,
        candidates=brain.matcher.match(text, k=k),
        asks_for_person=signs.asks_for_person,
        frustrated=signs.frustrated,
    )


def _think(settings_row: AutoReplySettings, text: str) -> _Thought | None:
    try:
        return _thought(settings_row, text)
    except Exception:
        logger.exception(
            "auto-reply could not read a message of workspace %s", settings_row.workspace_id
        )
        return None


def _settings(workspace: Workspace) -> AutoReplySettings:
    found = AutoReplySettings.objects.filter(workspace=workspace).first()
    return found if found is not None else autoreply_selectors.get_settings(workspace=workspace)


def _kind_of(channel_id: int) -> str:
    return engine.channel_kind(channel_id)


def _decide_and_act(  # inside respond's savepoint: its writes stand or fall together
    *,
    workspace: Workspace,
    settings_row: AutoReplySettings,
    received: Received,
    thought: _Thought,
    passive: PassiveReply | None = None,
) -> BotAnswer | None:
    text = received.message.text
    now = received.message.created_at
    recent: list[dict[str, Any]] = (
        []  # a conversation started by this message has no decisions yet
        if received.new_conversation
        else [
            dict(row)
            for row in ReplyLog.objects.filter(conversation_id=received.conversation.pk)
            .order_by("-pk")
            .values("ticket_id", "outcome", "entry_id", "query", "created_at")[:RECENT_ROWS]
        ]
    )
    if (
        recent
        and recent[0]["ticket_id"] == received.ticket.pk
        and recent[0]["outcome"] in (Outcome.HANDED_OFF, Outcome.WITH_PERSON)
    ):
        _log(received, _Decision(Outcome.WITH_PERSON), candidates=[], reply=None)
        return None
    brain, candidates = thought.brain, thought.candidates
    decision = _decide(
        text=text,
        settings_row=settings_row,
        thought=thought,
        recent=[r for r in recent if r["created_at"] >= now - _window(settings_row)],
    )
    if decision.answer is None:
        _hand_off(
            workspace=workspace,
            received=received,
            decision=decision,
            brain=brain,
            candidates=candidates,
        )
        return None
    return _answer(
        workspace=workspace,
        received=received,
        decision=decision,
        brain=brain,
        candidates=candidates,
        passive=passive,
    )


def _window(settings_row: AutoReplySettings) -> timedelta:
    return timedelta(minutes=settings_row.repeat_window_minutes)


def _decide(
    *,
    text: str,
    settings_row: AutoReplySettings,
    thought: _Thought,
    recent: list[dict[str, Any]],
) -> _Decision:
    candidates = thought.candidates
    top = candidates[0] if candidates else None
    threshold = autoreply_selectors.threshold_of(settings_row)
    confident = top is not None and top.confidence >= threshold
    confidence = top.confidence if top is not None else None
    if thought.asks_for_person:
        return _Decision(Outcome.HANDED_OFF, HandOffReason.ASKED_FOR_PERSON, confidence=confidence)
    if thought.frustrated:
        return _Decision(Outcome.HANDED_OFF, HandOffReason.FRUSTRATION, confidence=confidence)
    top_entry = int(top.faq_id) if confident and top is not None else None
    asked_before = sum(
        1
        for row in recent
        if (top_entry is not None and row["entry_id"] == top_entry)
        or near_identical(row["query"], text)
    )
    if asked_before + 1 >= settings_row.repeat_count:
        return _Decision(Outcome.HANDED_OFF, HandOffReason.REPEAT, confidence=confidence)
    rule = _matching_rule(settings_row, thought.brain, text)
    if rule is not None:
        rule_id, rule_answer = rule
        return _Decision(Outcome.ANSWERED_RULE, rule_id=rule_id, answer=rule_answer)
    if confident and top_entry is not None:
        entry_answer = _answer_by_id(settings_row, thought.brain, FaqEntry, top_entry)
        if entry_answer is not None:
            return _Decision(
                Outcome.ANSWERED_FAQ,
                entry_id=top_entry,
                confidence=confidence,
                answer=entry_answer,
            )
    return _Decision(Outcome.HANDED_OFF, HandOffReason.LOW_CONFIDENCE, confidence=confidence)


def _matching_rule(
    settings_row: AutoReplySettings, brain: engine.Brain, text: str
) -> tuple[int, Answer] | None:
    for compiled in brain.rules:
        if compiled.matches(text):
            found = _answer_by_id(settings_row, brain, KeywordRule, compiled.rule_id)
            return None if found is None else (compiled.rule_id, found)
    return None


# Answers of entries and rules by id, per workspace, at the knowledge base's revision: every
# change of an entry or a rule moves ``kb_revision`` in its own transaction, so an answer read
# at a revision stays right until the revision moves (then the workspace's answers are read
# again, one by one, as they are asked for). Tied to the workspace's brain as well, so that
# ``engine.forget`` (a test's rolled-back database reuses ids and revisions) forgets them too.
# Per process; a few hundred bytes per answer.
_answers: dict[
    tuple[int, str], tuple["weakref.ref[engine.Brain]", int, dict[int, Answer | None]]
] = {}


def _answer_by_id(
    settings_row: AutoReplySettings,
    brain: engine.Brain,
    model: type[FaqEntry] | type[KeywordRule],
    pk: int,
) -> Answer | None:
    key = (settings_row.workspace_id, model.__name__)
    cached = _answers.get(key)
    if cached is None or cached[0]() is not brain or cached[1] != settings_row.kb_revision:
        cached = (weakref.ref(brain), settings_row.kb_revision, {})
        _answers[key] = cached
    known = cached[2]
    if pk not in known:
        row = model.objects.filter(workspace_id=settings_row.workspace_id, pk=pk).first()
        known[pk] = answer_of(row) if row is not None else None
    return known[pk]


def _answer(
    *,
    workspace: Workspace,
    received: Received,
    decision: _Decision,
    brain: engine.Brain,
    candidates: list[Candidate],
    passive: PassiveReply | None = None,
) -> BotAnswer:
    assert decision.answer is not None
    in_reply = (
        passive.in_time(bot_answer(decision.answer, message_id=0)) if passive is not None else None
    )
    reply = desk_services.record_bot_reply(
        workspace=workspace,
        ticket_id=received.ticket.pk,
        text=answer_as_text(decision.answer),
        just_received=received,
        delivered_in_reply=in_reply,
    )
    _log(received, decision, candidates=_candidates(brain, candidates), reply=reply)
    return replace(bot_answer(decision.answer, message_id=reply.pk), in_reply=bool(in_reply))


def _hand_off(
    *,
    workspace: Workspace,
    received: Received,
    decision: _Decision,
    brain: engine.Brain,
    candidates: list[Candidate],
) -> None:
    suggestions = _candidates(brain, candidates)
    urgent = decision.reason != HandOffReason.LOW_CONFIDENCE
    desk_services.hand_off_ticket(
        workspace=workspace,
        ticket_id=received.ticket.pk,
        note=_hand_off_note(decision.reason, suggestions),
        priority=TicketPriority.HIGH if urgent else TicketPriority.NORMAL,
        just_received=received,
    )
    log = _log(received, decision, candidates=suggestions, reply=None)
    if decision.reason == HandOffReason.LOW_CONFIDENCE:
        UnansweredQuestion.objects.create(
            workspace=workspace, log=log, text=received.message.text, created_at=log.created_at
        )


def _hand_off_note(reason: str, suggestions: list[dict[str, Any]]) -> str:
    why = {
        HandOffReason.LOW_CONFIDENCE: _("小诺没有把握回答这个问题，已转人工。"),
        HandOffReason.ASKED_FOR_PERSON: _("客户要求人工服务，小诺已转人工。"),
        HandOffReason.REPEAT: _("客户多次重复同一个问题，小诺的回答可能没有帮助，已转人工。"),
        HandOffReason.FRUSTRATION: _("客户对机器人回复不满意，小诺已转人工。"),
    }[HandOffReason(reason)]
    if not suggestions:
        return why
    lines = [why, _("知识库中最接近的问题：")]
    lines += [
        f"{i}. {s['question']}（{round(s['confidence'] * 100)}%）"
        for i, s in enumerate(suggestions[:3], start=1)
    ]
    return "\n".join(lines)


def _candidates(brain: engine.Brain, candidates: list[Candidate]) -> list[dict[str, Any]]:
    return [
        {
            "faq_id": c.faq_id,
            "question": brain.questions.get(c.faq_id, c.matched),
            "matched": c.matched,
            "confidence": round(c.confidence, 4),
            "why": c.why,
        }
        for c in candidates
    ]


def _log(
    received: Received,
    decision: _Decision,
    *,
    candidates: list[dict[str, Any]],
    reply: Message | None,
) -> ReplyLog:
    return ReplyLog.objects.create(
        workspace_id=received.message.workspace_id,
        message=received.message,
        conversation_id=received.conversation.pk,
        ticket_id=received.ticket.pk,
        query=received.message.text,
        outcome=decision.outcome,
        reason=decision.reason,
        entry_id=decision.entry_id,
        rule_id=decision.rule_id,
        confidence=decision.confidence,
        candidates=candidates,
        reply=reply,
        created_at=timezone.now(),
    )


# --- answers as channels send them ------------------------------------------------------------


def answer_as_text(answer: Answer) -> str:
    """The answer as stored in the conversation (what the agent reads in the thread)."""
    if answer.kind == AnswerKind.LINK:
        return "\n".join(part for part in (answer.text, answer.url) if part)
    if answer.kind == AnswerKind.IMAGE:
        return answer.text or _("[图片]")
    if answer.kind == AnswerKind.ARTICLE:
        return "\n".join(part for part in (answer.title, answer.description, answer.url) if part)
    return answer.text


def bot_answer(answer: Answer, *, message_id: int) -> BotAnswer:
    payload: dict[str, str] = {}
    if answer.kind == AnswerKind.IMAGE:
        payload = {"media_id": answer.media_id, "url": answer.url}
    elif answer.kind == AnswerKind.ARTICLE:
        payload = {
            "title": answer.title,
            "description": answer.description,
            "url": answer.url,
            "picurl": answer.picurl,
        }
    elif answer.kind == AnswerKind.LINK:
        payload = {"url": answer.url}
    return BotAnswer(
        message_id=message_id, kind=answer.kind, text=answer_as_text(answer), payload=payload
    )


# --- WeChat events -----------------------------------------------------------------------------


def subscription(
    *,
    workspace: Workspace,
    channel_id: int,
    identities: Mapping[str, str],
    subscribed: bool,
) -> BotAnswer | None:
    """A follow or unfollow: the customer (found or created by openid, linked to the unionid
    when WeChat gives it) gets or loses the ``SUBSCRIBED_TAG``; a follow returns the welcome
    reply (not stored: there is no conversation yet), when the workspace has one."""
    with transaction.atomic():
        customer_id = _customer_for(workspace=workspace, identities=identities)
        customer = customers_selectors.get_customer(
            workspace=workspace, customer_id=customer_id, for_update=True
        )
        tags = set(customer.tags.values_list("name", flat=True))
        wanted = tags | {SUBSCRIBED_TAG} if subscribed else tags - {SUBSCRIBED_TAG}
        if wanted != tags:
            customers_services.set_tags(
                workspace=workspace, customer=customer, names=sorted(wanted)
            )
    if not subscribed:
        return None
    settings_row = _settings(workspace)
    if not settings_row.enabled or _kind_of(channel_id) not in settings_row.channel_kinds:
        return None
    welcome = answer_of(settings_row)
    if welcome.kind == AnswerKind.TEXT and not welcome.text:
        return None
    return bot_answer(welcome, message_id=0)


def _customer_for(*, workspace: Workspace, identities: Mapping[str, str]) -> int:
    ordered = [
        (kind, identities[kind])
        for kind in (IdentityKind.UNIONID, IdentityKind.OPENID)
        if identities.get(kind)
    ]
    if not ordered:
        raise ValueError("a WeChat event names its sender by openid")
    owner = None
    for kind, value in ordered:
        found = customers_selectors.find_customer_by_identity(
            workspace=workspace, kind=kind, value=value
        )
        if found is not None:
            owner = found.pk
            break
    if owner is None:
        kind, value = ordered[-1]
        owner = customers_services.ensure_customers_for_identities(
            workspace=workspace, kind=IdentityKind(kind), values=[value]
        )[value]
    for kind, value in ordered:
        owner = customers_services.link_identity(
            workspace=workspace,
            customer_id=owner,
            kind=IdentityKind(kind),
            value=value,
            actor=Actor(),
        )
    return owner


def click(
    *, workspace: Workspace, channel_id: int, identities: Mapping[str, str], key: str
) -> BotAnswer | None:
    """A custom-menu click: its key against the exact keyword rules (not stored; a click is not
    a message of the conversation)."""
    settings_row = _settings(workspace)
    if not settings_row.enabled or _kind_of(channel_id) not in settings_row.channel_kinds:
        return None
    brain = engine.brain_for(settings_row)
    for compiled in brain.rules:
        if compiled.match_type == MatchType.EXACT and compiled.matches(key):
            rule_answer = _answer_by_id(settings_row, brain, KeywordRule, compiled.rule_id)
            if rule_answer is not None:
                return bot_answer(rule_answer, message_id=0)
    return None


def settle(*, workspace: Workspace, message_id: int, delivered_in_reply: bool) -> None:
    if message_id:
        desk_services.settle_bot_reply(
            workspace=workspace, message_id=message_id, delivered_in_reply=delivered_in_reply
        )


# --- agents teach the matcher --------------------------------------------------------------------


def confirm_suggestion(
    *,
    workspace: Workspace,
    ticket_id: int,
    entry_id: int,
    actor: Actor,
    message_id: int | None = None,
    sent_despite_tone_warning: bool = False,
) -> Message:
    """The agent answers with an entry (one the bot suggested, or another): its answer goes to
    the customer as the agent's reply (``desk.services.reply_to_ticket``), and the customer's
    question — ``message_id``, or the one of the ticket's latest hand-off — is remembered as
    belonging to that entry. The matcher learns it at its next rebuild (the revision moves)."""
    entry = autoreply_selectors.get_entry(workspace=workspace, entry_id=entry_id)
    question = _question_to_learn(workspace=workspace, ticket_id=ticket_id, message_id=message_id)
    with transaction.atomic():
        reply = desk_services.reply_to_ticket(
            workspace=workspace,
            ticket_id=ticket_id,
            text=answer_as_text(answer_of(entry)),
            actor=actor,
            sent_despite_tone_warning=sent_despite_tone_warning,
        )
        if question is not None:
            MatchFeedback.objects.create(
                workspace=workspace,
                query=question.text,
                entry=entry,
                message=question,
                actor=actor.user,
            )
            bump_revision(workspace=workspace)
    return reply


def _question_to_learn(
    *, workspace: Workspace, ticket_id: int, message_id: int | None
) -> Message | None:
    if message_id is not None:
        return Message.objects.filter(
            workspace=workspace, ticket_id=ticket_id, pk=message_id, kind="inbound"
        ).first()
    hand_off = autoreply_selectors.get_hand_off(workspace=workspace, ticket_id=ticket_id)
    if hand_off is None:
        return None
    return Message.objects.filter(workspace=workspace, pk=hand_off.message_id).first()


def record_feedback(
    *, workspace: Workspace, query: str, entry_id: int, actor: Actor
) -> MatchFeedback:
    """From the test box: this question should get this entry (no customer message involved)."""
    entry = autoreply_selectors.get_entry(workspace=workspace, entry_id=entry_id)
    with transaction.atomic():
        feedback = MatchFeedback.objects.create(
            workspace=workspace,
            query=clean_question(query, field_name="query"),
            entry=entry,
            actor=actor.user,
        )
        bump_revision(workspace=workspace)
    return feedback


# --- the test box --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """What the bot would do with a question, nothing stored: the answer (None: hand-off), why
    (``outcome``, ``reason``), and the top candidates with their features."""

    outcome: str
    reason: str
    answer: BotAnswer | None
    entry_id: int | None
    rule_id: int | None
    confidence: float | None
    threshold: float
    candidates: list[dict[str, Any]]


def preview_answer(*, workspace: Workspace, question: str, k: int = SUGGESTIONS) -> Preview:
    text = clean_question(question, field_name="question")
    settings_row = _settings(workspace)
    thought = _thought(settings_row, text, k=k)
    decision = _decide(text=text, settings_row=settings_row, thought=thought, recent=[])
    return Preview(
        outcome=decision.outcome,
        reason=decision.reason,
        answer=bot_answer(decision.answer, message_id=0) if decision.answer else None,
        entry_id=decision.entry_id,
        rule_id=decision.rule_id,
        confidence=decision.confidence,
        threshold=autoreply_selectors.threshold_of(settings_row),
        candidates=_candidates(thought.brain, thought.candidates),
    )
