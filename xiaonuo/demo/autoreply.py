"""The demo brand's auto-reply: its knowledge base, keyword rules, welcome reply, dictionary and
synonyms, and WeChat followers' questions sent through the live path (``respond``, as the
WeChat callback calls it): some answered at once, some handed to the inbox with the bot's
suggestions (low confidence, asked for a person, a follower grinding on a late delivery).

The followers' messages carry real time (the live path stamps them as they arrive), so they
are the newest conversations of the demo; everything else about them is decided by the seed.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from xiaonuo.accounts.models import User, Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.services import Answer, FaqInput, RuleInput, SettingsChanges
from xiaonuo.channels.inbound import InboundMessage
from xiaonuo.channels.models import Channel, ChannelKind
from xiaonuo.customers.models import Identity, IdentityKind
from xiaonuo.demo import autoreply_text as text
from xiaonuo.desk.models import Conversation

SYNONYMS = (
    ("退款", "退钱", "退费"),
    ("外卖", "配送", "送餐"),
    ("积分", "分数"),
    ("优惠券", "券", "折扣券"),
    ("门店", "店", "店铺"),
)


@dataclass
class AutoreplyDemo:
    entries: int = 0
    rules: int = 0
    answered: int = 0
    handed_off: int = 0


def create_autoreply_demo(
    *,
    workspace: Workspace,
    owner: User,
    seed: int,
    products: Sequence[str],
    stores: Sequence[str],
) -> AutoreplyDemo:
    result = AutoreplyDemo()
    actor = Actor(user=owner)
    for faq in text.FAQS:
        autoreply_services.create_entry(workspace=workspace, data=_faq_input(faq), actor=actor)
        result.entries += 1
    for name, match_type, pattern, priority, reply in text.KEYWORD_RULES:
        autoreply_services.create_rule(
            workspace=workspace,
            data=RuleInput(
                name=name,
                match_type=match_type,
                pattern=pattern,
                priority=priority,
                answer=Answer(text=reply),
            ),
        )
        result.rules += 1
    autoreply_services.update_settings(
        workspace=workspace,
        changes=SettingsChanges(
            enabled=True,
            channel_kinds=[ChannelKind.WECHAT_OA],
            welcome=Answer(text=text.WELCOME),
        ),
    )
    # Product and store names stay whole when questions are segmented.
    autoreply_services.set_dictionary(
        workspace=workspace, words=[*products, *(s.replace(" ", "") for s in stores)]
    )
    for words in SYNONYMS:
        autoreply_services.create_synonym_group(workspace=workspace, words=words)
    _followers_ask(workspace=workspace, seed=seed, result=result)
    # The weekly job, run once so the metrics page shows this week's unanswered groups.
    autoreply_services.group_unanswered(
        workspace=workspace, now=timezone.now() + timedelta(minutes=1)
    )
    return result


def _faq_input(faq: text.Faq) -> FaqInput:
    extra = faq.extra
    return FaqInput(
        question=faq.question,
        phrasings=faq.phrasings,
        tags=faq.tags,
        answer=Answer(
            kind=faq.kind,
            text=faq.answer,
            url=extra.get("url", ""),
            media_id=extra.get("media_id", ""),
            title=extra.get("title", ""),
            description=extra.get("description", ""),
        ),
    )


def _followers_ask(*, workspace: Workspace, seed: int, result: AutoreplyDemo) -> None:
    """Followers of the Official Account write in; each question goes through the live path."""
    channel = Channel.objects.filter(workspace=workspace, kind=ChannelKind.WECHAT_OA).first()
    if channel is None:
        return
    rng = random.Random(f"{seed}-autoreply")
    # Members who follow the account and have not written to it yet: each question starts its
    # own conversation, whatever the simulated desk left open.
    openids = list(
        Identity.objects.filter(workspace=workspace, kind=IdentityKind.OPENID)
        .exclude(customer_id__in=Conversation.objects.filter(channel=channel).values("customer_id"))
        .order_by("pk")
        .values_list("value", flat=True)[:200]
    )
    rng.shuffle(openids)
    follower = iter(openids or [f"oChyuDemoFollower{i:011d}" for i in range(100)])
    conversations = [
        *([q] for q in text.ANSWERED_QUESTIONS),
        *([q] for q in text.UNANSWERED_QUESTIONS),
        *([q] for q in text.PERSON_REQUESTS),
        list(text.FRUSTRATED),
        list(text.GRINDING),  # one follower, again and again
    ]
    for number, questions in enumerate(conversations):
        openid = next(follower, f"oChyuDemoFollower{number:011d}")
        for i, question in enumerate(questions):
            answer = autoreply_services.respond(
                workspace=workspace,
                inbound=InboundMessage(
                    channel_id=channel.pk,
                    text=question,
                    identities={IdentityKind.OPENID: openid},
                    external_id=f"demo-{seed}-{number}-{i}",
                ),
            )
            if answer is None:
                result.handed_off += 1
                continue
            result.answered += 1
            # Answered inside WeChat's five seconds, in the callback's own reply.
            autoreply_services.settle(
                workspace=workspace, message_id=answer.message_id, delivered_in_reply=True
            )
