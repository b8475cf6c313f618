"""The praise board's entries: praise in survey comments (when answered) and in customers'
messages (a job reads new messages by id)."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from xiaonuo.desk.models import Message, MessageKind, Ticket
from xiaonuo.desk.surveys.models import (
    Invitation,
    Praise,
    PraiseScan,
    PraiseSource,
    QuestionKind,
    Response,
    SurveyKind,
)
from xiaonuo.nlp.praise import detect_praise

# Lowest score that still goes with praise: a comment full of praise words under a poor score
# is sarcasm or praise of someone else than the desk ("客服很好，但是…" with 2 stars).
_LOWEST_SCORE = {SurveyKind.CSAT: 4, SurveyKind.NPS: 7}
# Messages read per run (one primary-key range).
SCAN_BATCH = 5000
# Messages younger than this wait for the next run: one written in a transaction that commits
# late may carry a lower id than one already read.
SCAN_SETTLE = timedelta(seconds=60)


def record_survey_praise(*, invitation: Invitation, response: Response) -> Praise | None:
    """Called in the transaction that stores the response."""
    text = _praise_text(invitation, response)
    lowest = _LOWEST_SCORE.get(SurveyKind(invitation.kind))
    if not text or (lowest is not None and (response.score or 0) < lowest):
        return None
    report = detect_praise(text)
    if not report.is_praise:
        return None
    return Praise.objects.create(
        workspace_id=invitation.workspace_id,
        source=PraiseSource.SURVEY,
        response=response,
        ticket_id=invitation.ticket_id,
        customer_id=invitation.customer_id,
        agent_id=invitation.agent_id,
        team_id=invitation.team_id,
        channel_id=invitation.channel_id,
        text=text,
        phrases=list(report.phrases),
        created_at=response.created_at,
    )


def _praise_text(invitation: Invitation, response: Response) -> str:
    if invitation.kind != SurveyKind.CUSTOM or invitation.survey is None:
        return response.comment
    texts = [
        str(response.answers.get(str(q.pk), ""))
        for q in invitation.survey.questions.all()
        if q.kind == QuestionKind.TEXT
    ]
    return "\n".join(t for t in [response.comment, *texts] if t)


def scan_messages_for_praise(*, now: datetime | None = None, batch: int = SCAN_BATCH) -> int:
    """Read customer messages written since the last run (every workspace, by id) and put the
    praise among them on the board, credited to the ticket's agent and team. Returns how many
    were added. Safe to run twice at once (the scan row is locked) or over the same messages
    again (one praise per message, unique)."""
    now = now or timezone.now()
    with transaction.atomic():
        PraiseScan.objects.get_or_create(pk=1)
        scan = PraiseScan.objects.select_for_update().get(pk=1)
        rows: list[dict[str, Any]] = [
            dict(row)
            for row in Message.objects.filter(pk__gt=scan.last_message_id)
            .order_by("pk")
            .values(
                "pk", "workspace_id", "kind", "ticket_id", "conversation_id", "text", "created_at"
            )[:batch]
        ]
        settled = []
        for row in rows:
            if row["created_at"] > now - SCAN_SETTLE:
                break
            settled.append(row)
        found = [r for r in settled if r["kind"] == MessageKind.INBOUND and r["ticket_id"]]
        praise = _message_praise(found)
        Praise.objects.bulk_create(praise, ignore_conflicts=True)
        if settled:
            scan.last_message_id = settled[-1]["pk"]
            scan.save(update_fields=["last_message_id", "updated_at"])
    return len(praise)


def _message_praise(rows: list[dict[str, Any]]) -> list[Praise]:
    reports = {r["pk"]: detect_praise(r["text"]) for r in rows}
    rows = [r for r in rows if reports[r["pk"]].is_praise]
    tickets = Ticket.objects.in_bulk({r["ticket_id"] for r in rows})
    praise = []
    for row in rows:
        ticket = tickets.get(row["ticket_id"])
        if ticket is None or ticket.workspace_id != row["workspace_id"]:
            continue
        praise.append(
            Praise(
                workspace_id=row["workspace_id"],
                source=PraiseSource.MESSAGE,
                message_id=row["pk"],
                ticket_id=ticket.pk,
                customer_id=ticket.customer_id,
                agent_id=ticket.assignee_id,
                team_id=ticket.team_id,
                channel_id=ticket.channel_id,
                text=row["text"],
                phrases=list(reports[row["pk"]].phrases),
                created_at=row["created_at"],
            )
        )
    return praise
