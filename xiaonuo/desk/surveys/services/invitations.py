"""Who is asked, and when: CSAT after a solved ticket, NPS on a schedule, a survey on a ticket.

Every decision is stored as an ``Invitation`` — sent, ready to send, or skipped with the reason —
so a job run twice (or a queue that delivers it twice) finds its decisions made and changes
nothing: unique constraints say "one CSAT per ticket" and "one NPS per customer per period".
The jobs hold the workspace's survey lock (``lock_settings``) for the fatigue cap's sake.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.customers.models import ConsentPurpose, Customer
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk import services as desk_services
from xiaonuo.desk.models import Ticket, TicketStatus
from xiaonuo.desk.surveys import links
from xiaonuo.desk.surveys.exceptions import SurveysError
from xiaonuo.desk.surveys.models import (
    FATIGUE_WINDOW_DAYS,
    Invitation,
    InvitationStatus,
    SkipReason,
    Survey,
    SurveyKind,
    SurveySettings,
)
from xiaonuo.desk.surveys.services.definitions import lock_settings, survey_not_found
from xiaonuo.lib.errors import ServiceError

# Tickets looked at per workspace per run; the job runs every five minutes, so a desk solving
# 6,000 tickets an hour is kept up with, and one run's transaction stays short.
CSAT_BATCH = 500
# Re-read this much before the watermark: a ticket solved in a transaction that committed after
# the last run had read past its solve time. The unique constraint makes the overlap free.
CSAT_OVERLAP = timedelta(minutes=10)
# Tickets solved longer ago than this are not surveyed (first run, or after CSAT was off): the
# customer no longer remembers the conversation.
CSAT_MAX_AGE = timedelta(days=3)
NPS_BATCH = 1000
_EPOCH = date(2020, 1, 1)  # NPS periods are counted from here


@dataclass
class RunSummary:
    sent: int = 0  # went out as a message on the ticket's conversation
    ready: int = 0  # made, but no channel could carry it (see ``delivery_note``)
    skipped: int = 0  # decided not to ask (sampling, fatigue, consent)


def create_csat_invitations(*, workspace: Workspace, now: datetime | None = None) -> RunSummary:
    """Invite the customers of tickets solved since the last run, once the delay has passed.

    Reads the solved tickets through the ``ticket_solved_at`` index (status solved, solve time in
    the window): a ticket reopened before the delay ran out is not solved and is not asked; when
    it is solved again, it is asked then. A ticket closed (or merged) before the delay is not
    asked either: a closed ticket takes no more messages.
    """
    now = now or timezone.now()
    summary = RunSummary()
    with transaction.atomic():
        settings = lock_settings(workspace=workspace)
        if not settings.csat_enabled:
            return summary
        upper = now - timedelta(minutes=settings.csat_delay_minutes)
        lower = upper - CSAT_MAX_AGE
        if settings.csat_checked_until is not None:
            lower = max(lower, settings.csat_checked_until - CSAT_OVERLAP)
        if settings.csat_since is not None:
            lower = max(lower, settings.csat_since)
        tickets = list(
            Ticket.objects.filter(
                workspace=workspace,
                status=TicketStatus.SOLVED,
                solved_at__gt=lower,
                solved_at__lte=upper,
            )
            .exclude(Exists(Invitation.objects.filter(ticket=OuterRef("pk"), kind=SurveyKind.CSAT)))
            .select_related("customer")
            .order_by("solved_at", "pk")[:CSAT_BATCH]
        )
        for ticket in tickets:
            _count(summary, _invite_after_solve(workspace, settings, ticket, now=now))
        full = len(tickets) == CSAT_BATCH
        settings.csat_checked_until = tickets[-1].solved_at if full else upper
        settings.save(update_fields=["csat_checked_until", "updated_at"])
    return summary


def _invite_after_solve(
    workspace: Workspace, settings: SurveySettings, ticket: Ticket, *, now: datetime
) -> Invitation:
    reason = _skip_reason(
        settings,
        ticket.customer,
        sample_key=f"csat:{ticket.pk}",
        sample_percent=settings.csat_sample_percent,
        needs_opt_in=False,
        now=now,
    )
    invitation = Invitation.objects.create(
        workspace_id=ticket.workspace_id,
        kind=SurveyKind.CSAT,
        customer=ticket.customer,
        ticket=ticket,
        agent_id=ticket.assignee_id,
        team_id=ticket.team_id,
        channel_id=ticket.channel_id,
        status=InvitationStatus.SKIPPED if reason else InvitationStatus.READY,
        skip_reason=reason,
        created_at=now,
        expires_at=None if reason else now + timedelta(days=settings.link_valid_days),
    )
    if not reason:
        _deliver(workspace, invitation, text=_csat_text(invitation), actor=Actor())
    return invitation


def _skip_reason(
    settings: SurveySettings,
    customer: Customer,
    *,
    sample_key: str,
    sample_percent: int,
    needs_opt_in: bool,
    now: datetime,
) -> str:
    """Why not to ask this customer ('' to ask). Consent first (a person's wish beats our
    arithmetic), then sampling, then the fatigue cap."""
    if not can_ask(customer, needs_opt_in=needs_opt_in):
        return SkipReason.NO_CONSENT
    if not in_sample(sample_key, sample_percent):
        return SkipReason.SAMPLED_OUT
    asked = (
        Invitation.objects.filter(
            customer=customer, created_at__gt=now - timedelta(days=FATIGUE_WINDOW_DAYS)
        )
        .exclude(status=InvitationStatus.SKIPPED)
        .count()
    )
    if asked >= settings.fatigue_cap:
        return SkipReason.FATIGUE
    return SkipReason.NONE


def can_ask(customer: Customer, *, needs_opt_in: bool) -> bool:
    """Consent, as the customers app records it ({purpose: true/false}; absent = not asked).

    There is no purpose for surveys, so the marketing purpose stands for "messages we start":
    - CSAT follows up the customer's own conversation (a service message): asked unless the
      customer said no to marketing messages.
    - NPS and the like are sent out of the blue: asked only if the customer said yes.
    """
    consent = customer.consent or {}
    said = consent.get(ConsentPurpose.MARKETING)
    return said is True if needs_opt_in else said is not False


def in_sample(key: str, percent: int) -> bool:
    """Deterministic sampling: the same key is in or out on every run and every machine (a
    hash, not a random draw), so a rerun agrees with the first."""
    if percent >= 100:
        return True
    bucket = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") % 100
    return bucket < percent


def _csat_text(invitation: Invitation) -> str:
    # Neutral: asks for a rating without suggesting one (no 满意吗, no 五星好评). In the
    # site's language: the customer's own is not known to a job.
    with translation.override(None):
        return _("您对本次服务的评价是？请点击链接选择 1–5 分，也可以留下意见：%(link)s") % {
            "link": links.link_for(invitation)
        }


def _nps_text(invitation: Invitation) -> str:
    with translation.override(None):
        return _("您有多大可能把我们推荐给朋友或同事？请点击链接选择 0–10 分：%(link)s") % {
            "link": links.link_for(invitation)
        }


def _latest_solved_ticket(workspace: Workspace, customer_id: int) -> Ticket | None:
    return (
        Ticket.objects.filter(
            workspace=workspace,
            customer_id=customer_id,
            status=TicketStatus.SOLVED,
            conversation__isnull=False,
        )
        .order_by("-last_activity_at")
        .first()
    )


def _survey_text(invitation: Invitation, survey: Survey) -> str:
    with translation.override(None):
        return _("想听听您的意见：%(name)s。点击链接填写：%(link)s") % {
            "name": survey.name,
            "link": links.link_for(invitation),
        }


def _deliver(workspace: Workspace, invitation: Invitation, *, text: str, actor: Actor) -> None:
    """Send the link on the ticket's conversation through the desk's own reply path (stored for
    the widget and the API; queued for pushing channels). A ticket that cannot take a reply
    keeps the invitation ready to send, with the desk's reason."""
    if invitation.ticket is None or invitation.ticket.conversation_id is None:
        _mark_ready(invitation, "ticket_has_no_conversation")
        return
    try:
        message = desk_services.reply_to_ticket(
            workspace=workspace,
            ticket_id=invitation.ticket.pk,
            text=text,
            actor=actor,
        )
    except ServiceError as error:
        _mark_ready(invitation, error.code)
        return
    invitation.status = InvitationStatus.SENT
    invitation.message = message
    invitation.save(update_fields=["status", "message"])


def _mark_ready(invitation: Invitation, note: str) -> None:
    invitation.status = InvitationStatus.READY
    invitation.delivery_note = note[:200]
    invitation.save(update_fields=["status", "delivery_note"])


def _count(summary: RunSummary, invitation: Invitation) -> None:
    if invitation.status == InvitationStatus.SENT:
        summary.sent += 1
    elif invitation.status == InvitationStatus.READY:
        summary.ready += 1
    else:
        summary.skipped += 1


def create_nps_invitations(*, workspace: Workspace, now: datetime | None = None) -> RunSummary:
    """Invite customers who contacted the desk in the last ``nps_active_days`` and were not
    asked for NPS in the last ``nps_interval_days`` (consent: opt-in; sampling per customer and
    period; the fatigue cap). Recent activity is read from tickets' ``last_activity_at`` through
    the inbox index. The link goes out on the customer's latest solved ticket's conversation,
    like CSAT (a reply there leaves the ticket solved, and never flips an agent's open work to
    pending); a customer with no such ticket keeps the invitation ready to send
    (``delivery_note`` = ``no_outbound_path``) and the console lists its link for staff."""
    now = now or timezone.now()
    summary = RunSummary()
    with transaction.atomic():
        settings = lock_settings(workspace=workspace)
        if not settings.nps_enabled:
            return summary
        interval = settings.nps_interval_days
        period_key = f"{interval}:{(timezone.localdate(now) - _EPOCH).days // interval}"
        asked = Invitation.objects.filter(
            workspace=workspace,
            kind=SurveyKind.NPS,
            customer_id=OuterRef("customer_id"),
            created_at__gt=now - timedelta(days=interval),
        )
        customer_ids = list(
            Ticket.objects.filter(
                workspace=workspace,
                last_activity_at__gte=now - timedelta(days=settings.nps_active_days),
            )
            .exclude(Exists(asked))
            .order_by()
            .values_list("customer_id", flat=True)
            .distinct()[:NPS_BATCH]
        )
        customers = Customer.objects.filter(workspace=workspace, pk__in=customer_ids).order_by("pk")
        for customer in customers:
            reason = _skip_reason(
                settings,
                customer,
                sample_key=f"nps:{customer.pk}:{period_key}",
                sample_percent=settings.nps_sample_percent,
                needs_opt_in=True,
                now=now,
            )
            carrier = None if reason else _latest_solved_ticket(workspace, customer.pk)
            invitation = Invitation.objects.create(
                workspace=workspace,
                kind=SurveyKind.NPS,
                customer=customer,
                ticket=carrier,
                period_key=period_key,
                status=InvitationStatus.SKIPPED if reason else InvitationStatus.READY,
                skip_reason=reason,
                delivery_note="" if reason or carrier else "no_outbound_path",
                created_at=now,
                expires_at=None if reason else now + timedelta(days=settings.link_valid_days),
            )
            if carrier is not None:
                _deliver(workspace, invitation, text=_nps_text(invitation), actor=Actor())
            _count(summary, invitation)
        settings.nps_last_run_at = now
        settings.save(update_fields=["nps_last_run_at", "updated_at"])
    return summary


def send_survey_on_ticket(
    *, workspace: Workspace, survey_id: int, ticket_id: int, actor: Actor
) -> Invitation:
    """A staff member sends one of the workspace's surveys on a ticket's conversation (a reply
    of theirs, tone-checked like any other). Not sampled or capped — a person chose to ask — but
    a customer who said no to marketing messages is not asked."""
    survey = Survey.objects.filter(workspace=workspace, pk=survey_id).first()
    if survey is None:
        raise survey_not_found()
    if not survey.active:
        raise ServiceError(SurveysError.SURVEY_INACTIVE, "This survey is switched off", status=409)
    ticket = desk_selectors.get_ticket(workspace=workspace, ticket_id=ticket_id)
    customer = Customer.objects.get(pk=ticket.customer_id)
    if not can_ask(customer, needs_opt_in=False):
        raise ServiceError(
            SurveysError.NO_CONSENT,
            "The customer said no to messages the workspace starts",
            status=409,
        )
    now = timezone.now()
    settings = SurveySettings.objects.filter(workspace=workspace).first()
    valid_days = settings.link_valid_days if settings else 7
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                workspace=workspace,
                kind=SurveyKind.CUSTOM,
                survey=survey,
                customer=customer,
                ticket=ticket,
                agent_id=ticket.assignee_id,
                team_id=ticket.team_id,
                channel_id=ticket.channel_id,
                status=InvitationStatus.READY,
                created_at=now,
                expires_at=now + timedelta(days=valid_days),
            )
            _deliver(workspace, invitation, text=_survey_text(invitation, survey), actor=actor)
    except IntegrityError:
        raise ServiceError(
            SurveysError.SURVEY_ALREADY_SENT,
            "This survey was already sent on this ticket",
            status=409,
        ) from None
    return invitation
