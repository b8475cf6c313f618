"""Believable survey answers for the demo workspace, written in bulk (the demo helper calls
``create_demo_answers`` after it has made and solved its tickets).

Shapes taken from how small Chinese shops' desks usually look: about a third of customers answer
a CSAT survey; most answers are 4–5 with a tail of 1–2; two in five leave a comment, some of it
praise; NPS is asked of a slice of customers, with more promoters than detractors.
"""

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.desk.models import Ticket
from xiaonuo.desk.surveys.models import (
    Invitation,
    InvitationStatus,
    Praise,
    PraiseSource,
    Response,
    SurveyKind,
)
from xiaonuo.nlp.praise import detect_praise

BATCH = 2000
ANSWER_RATE = 0.35
COMMENT_RATE = 0.4
NPS_SHARE = 0.3  # of the customers behind the tickets
CSAT_WEIGHTS = {5: 55, 4: 25, 3: 10, 2: 5, 1: 5}
NPS_WEIGHTS = {10: 22, 9: 20, 8: 18, 7: 14, 6: 8, 5: 6, 4: 4, 3: 3, 2: 2, 1: 1, 0: 2}
_GOOD = (
    "谢谢你们客服，问题很快就解决了",
    "小王服务太好了",
    "给你们点赞",
    "客服很耐心，解释得很清楚",
    "回复很及时，满意",
    "非常感谢你的帮助",
    "服务态度很好，下次还会再来",
    "处理得很快，点赞",
    "还可以",
    "挺好的",
    "物流再快一点就更好了",
)
_POOR = (
    "等了好久才有人回复",
    "问题还没解决",
    "希望客服能再耐心一点",
    "退款太慢了",
    "一般般吧",
)


@dataclass(frozen=True)
class DemoSummary:
    invitations: int
    responses: int
    praise: int


def create_demo_answers(
    *, workspace: Workspace, tickets: Iterable[Ticket], seed: int = 7, now: datetime | None = None
) -> DemoSummary:
    """CSAT invitations (sent a little after each solve) and answers for ``tickets`` of
    ``workspace`` that have been solved and have no CSAT invitation yet; NPS invitations and
    answers for a share of their customers; praise for praising comments. Deterministic for a
    seed. Other workspaces' tickets in ``tickets`` are ignored."""
    rng = random.Random(seed)
    now = now or timezone.now()
    surveyed = set(
        Invitation.objects.filter(workspace=workspace, kind=SurveyKind.CSAT).values_list(
            "ticket_id", flat=True
        )
    )
    chosen = [
        t
        for t in tickets
        if t.workspace_id == workspace.pk and t.solved_at is not None and t.pk not in surveyed
    ]
    totals = [0, 0, 0]
    with transaction.atomic():
        for start in range(0, len(chosen), BATCH):
            _add(totals, _csat_batch(workspace, chosen[start : start + BATCH], rng, now))
        customers = sorted({t.customer_id: t for t in chosen}.items())
        asked = [pair for pair in customers if rng.random() < NPS_SHARE]
        for start in range(0, len(asked), BATCH):
            _add(totals, _nps_batch(workspace, asked[start : start + BATCH], rng, now))
    return DemoSummary(*totals)


def _add(totals: list[int], counts: tuple[int, int, int]) -> None:
    for i, n in enumerate(counts):
        totals[i] += n


def _csat_batch(
    workspace: Workspace, tickets: list[Ticket], rng: random.Random, now: datetime
) -> tuple[int, int, int]:
    invitations = []
    for ticket in tickets:
        assert ticket.solved_at is not None
        sent = min(ticket.solved_at + timedelta(hours=1), now)
        answered = rng.random() < ANSWER_RATE
        invitations.append(
            Invitation(
                workspace=workspace,
                kind=SurveyKind.CSAT,
                customer_id=ticket.customer_id,
                ticket_id=ticket.pk,
                agent_id=ticket.assignee_id,
                team_id=ticket.team_id,
                channel_id=ticket.channel_id,
                status=InvitationStatus.ANSWERED if answered else InvitationStatus.SENT,
                created_at=sent,
                expires_at=sent + timedelta(days=7),
                answered_at=min(sent + timedelta(minutes=rng.randint(2, 600)), now)
                if answered
                else None,
            )
        )
    Invitation.objects.bulk_create(invitations)
    return _answers(workspace, invitations, CSAT_WEIGHTS, good_from=4, rng=rng)


def _nps_batch(
    workspace: Workspace, customers: list[tuple[int, Ticket]], rng: random.Random, now: datetime
) -> tuple[int, int, int]:
    invitations = []
    for customer_id, ticket in customers:
        assert ticket.solved_at is not None
        sent = min(ticket.solved_at + timedelta(days=rng.randint(1, 20)), now)
        answered = rng.random() < ANSWER_RATE * 0.8
        invitations.append(
            Invitation(
                workspace=workspace,
                kind=SurveyKind.NPS,
                customer_id=customer_id,
                period_key=f"demo:{sent.date().isoformat()}",
                status=InvitationStatus.ANSWERED if answered else InvitationStatus.READY,
                delivery_note="" if answered else "no_outbound_path",
                created_at=sent,
                expires_at=sent + timedelta(days=7),
                answered_at=min(sent + timedelta(hours=rng.randint(1, 48)), now)
                if answered
                else None,
            )
        )
    Invitation.objects.bulk_create(invitations)
    return _answers(workspace, invitations, NPS_WEIGHTS, good_from=9, rng=rng)


def _answers(
    workspace: Workspace,
    invitations: list[Invitation],
    weights: dict[int, int],
    *,
    good_from: int,
    rng: random.Random,
) -> tuple[int, int, int]:
    responses = []
    for invitation in invitations:
        if invitation.answered_at is None:
            continue
        score = rng.choices(list(weights), weights=list(weights.values()))[0]
        comment = ""
        if rng.random() < COMMENT_RATE:
            comment = rng.choice(_GOOD if score >= good_from else _POOR)
        responses.append(
            Response(
                workspace=workspace,
                invitation=invitation,
                score=score,
                comment=comment,
                created_at=invitation.answered_at,
            )
        )
    Response.objects.bulk_create(responses)
    praise = []
    for response in responses:
        if response.score is None or response.score < good_from or not response.comment:
            continue
        report = detect_praise(response.comment)
        if report.is_praise:
            invitation = response.invitation
            praise.append(
                Praise(
                    workspace=workspace,
                    source=PraiseSource.SURVEY,
                    response=response,
                    ticket_id=invitation.ticket_id,
                    customer_id=invitation.customer_id,
                    agent_id=invitation.agent_id,
                    team_id=invitation.team_id,
                    channel_id=invitation.channel_id,
                    text=response.comment,
                    phrases=list(report.phrases),
                    created_at=response.created_at,
                )
            )
    Praise.objects.bulk_create(praise)
    return len(invitations), len(responses), len(praise)
