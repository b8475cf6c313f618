"""Complaints (投诉): intake, compensation and its approval, escalation, resolution, recovery.

The life of a complaint: OPEN → (ESCALATED) → RESOLVED, then the recovery outcome is recorded
when it is known (did the customer end up satisfied, buy again, refer someone?). Each step is
one function, locking the complaint row; a complaint raised on a ticket also leaves a line in
the ticket's history, so the ticket page tells the whole story.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from xiaonuo.accounts.models import Membership, Workspace
from xiaonuo.accounts.permissions import Perm, roles_with
from xiaonuo.accounts.services import Actor
from xiaonuo.customers import selectors as customers_selectors
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk.exceptions import DeskError
from xiaonuo.desk.models import (
    CompensationKind,
    CompensationStatus,
    Complaint,
    ComplaintCategory,
    ComplaintSeverity,
    ComplaintStatus,
    HistoryField,
    Ticket,
)
from xiaonuo.desk.services._common import actor_may, record, who
from xiaonuo.lib.errors import ServiceError

MAX_COMPENSATION = Decimal("1000000.00")  # yuan; more is a typo, not a goodwill gesture
MAX_TEXT = 5000


def open_complaint(
    *,
    workspace: Workspace,
    customer_id: int,
    severity: int,
    category: str,
    description: str,
    actor: Actor,
    ticket_id: int | None = None,
) -> Complaint:
    _check_classification(severity=severity, category=category)
    description = _clean_text(description, field="description", required=False)
    with transaction.atomic():
        customer = customers_selectors.get_customer(workspace=workspace, customer_id=customer_id)
        ticket = None
        if ticket_id is not None:
            ticket = Ticket.objects.filter(
                workspace=workspace, pk=ticket_id, customer=customer
            ).first()
            if ticket is None:
                raise desk_selectors.ticket_not_found()
        complaint = Complaint.objects.create(
            workspace=workspace,
            customer=customer,
            ticket=ticket,
            severity=severity,
            category=category,
            description=description,
            created_by=actor.user,
        )
        _on_ticket(complaint, "opened", actor)
    return complaint


def classify_complaint(
    *, workspace: Workspace, complaint_id: int, severity: int, category: str, actor: Actor
) -> Complaint:
    _check_classification(severity=severity, category=category)
    with transaction.atomic():
        complaint = _lock(workspace=workspace, complaint_id=complaint_id)
        complaint.severity, complaint.category = severity, category
        complaint.save(update_fields=["severity", "category"])
        _on_ticket(complaint, f"severity={severity},category={category}", actor)
    return complaint


def offer_compensation(
    *, workspace: Workspace, complaint_id: int, kind: str, amount: Decimal | str, actor: Actor
) -> Complaint:
    """Record the compensation offered. A supervisor's offer (``approve_compensation``) is
    approved at once; an agent's waits for a supervisor's decision."""
    if kind not in CompensationKind.values or kind == CompensationKind.NONE:
        raise ServiceError(
            DeskError.COMPENSATION_INVALID,
            f"Unknown compensation kind {kind!r}",
            status=422,
            field="kind",
        )
    value = _amount(amount)
    approved = actor_may(workspace=workspace, actor=actor, perm=Perm.APPROVE_COMPENSATION)
    with transaction.atomic():
        complaint = _lock(workspace=workspace, complaint_id=complaint_id)
        _refuse_if_resolved(complaint)
        complaint.compensation_kind = kind
        complaint.compensation_amount = value
        complaint.compensation_status = (
            CompensationStatus.APPROVED if approved else CompensationStatus.PROPOSED
        )
        complaint.compensation_offered_by = actor.user
        complaint.compensation_decided_by = actor.user if approved else None
        complaint.save()
        _on_ticket(complaint, f"compensation {kind} {value} {complaint.compensation_status}", actor)
    return complaint


def decide_compensation(
    *, workspace: Workspace, complaint_id: int, approve: bool, actor: Actor
) -> Complaint:
    """A supervisor approves or rejects an agent's offer (the entrypoint checks the permission)."""
    with transaction.atomic():
        complaint = _lock(workspace=workspace, complaint_id=complaint_id)
        if complaint.compensation_status != CompensationStatus.PROPOSED:
            raise ServiceError(
                DeskError.COMPLAINT_STATE, "No compensation offer awaits a decision", status=409
            )
        complaint.compensation_status = (
            CompensationStatus.APPROVED if approve else CompensationStatus.REJECTED
        )
        complaint.compensation_decided_by = actor.user
        complaint.save(update_fields=["compensation_status", "compensation_decided_by"])
        _on_ticket(complaint, f"compensation {complaint.compensation_status}", actor)
    return complaint


def escalate_complaint(
    *, workspace: Workspace, complaint_id: int, to_user_id: int, reason: str, actor: Actor
) -> Complaint:
    """Hand the complaint to a supervisor: a member whose role may approve compensation."""
    reason = _clean_text(reason, field="reason", required=True)
    supervisor = Membership.objects.filter(
        workspace=workspace, user_id=to_user_id, role__in=roles_with(Perm.APPROVE_COMPENSATION)
    ).exists()
    if not supervisor:
        raise ServiceError(
            DeskError.ESCALATION_TARGET_INVALID,
            "Complaints are escalated to a supervisor of this workspace",
            status=422,
            field="to_user_id",
        )
    with transaction.atomic():
        complaint = _lock(workspace=workspace, complaint_id=complaint_id)
        _refuse_if_resolved(complaint)
        complaint.status = ComplaintStatus.ESCALATED
        complaint.escalated_to_id = to_user_id
        complaint.escalated_at = timezone.now()
        complaint.escalation_reason = reason
        complaint.save()
        _on_ticket(complaint, f"escalated to {to_user_id}", actor)
    return complaint


def resolve_complaint(
    *, workspace: Workspace, complaint_id: int, resolution: str, actor: Actor
) -> Complaint:
    resolution = _clean_text(resolution, field="resolution", required=True)
    with transaction.atomic():
        complaint = _lock(workspace=workspace, complaint_id=complaint_id)
        _refuse_if_resolved(complaint)
        if complaint.compensation_status == CompensationStatus.PROPOSED:
            raise ServiceError(
                DeskError.COMPENSATION_PENDING,
                "A compensation offer still awaits a supervisor's decision",
                status=409,
            )
        complaint.status = ComplaintStatus.RESOLVED
        complaint.resolution = resolution
        complaint.resolved_by = actor.user
        complaint.resolved_at = timezone.now()
        complaint.save()
        _on_ticket(complaint, "resolved", actor)
    return complaint


def record_recovery(
    *,
    workspace: Workspace,
    complaint_id: int,
    actor: Actor,
    satisfied_afterwards: bool | None = None,
    bought_again: bool | None = None,
    referred_someone: bool | None = None,
) -> Complaint:
    """What became of the customer after the complaint was resolved (None = still unknown;
    answers may be added later, e.g. "bought again" a month on). Surveys and the growth app's
    referral attribution call this too."""
    with transaction.atomic():
        complaint = _lock(workspace=workspace, complaint_id=complaint_id)
        if complaint.status != ComplaintStatus.RESOLVED:
            raise ServiceError(
                DeskError.COMPLAINT_STATE,
                "The recovery outcome is recorded after the complaint is resolved",
                status=409,
            )
        for name, value in (
            ("satisfied_afterwards", satisfied_afterwards),
            ("bought_again", bought_again),
            ("referred_someone", referred_someone),
        ):
            if value is not None:
                setattr(complaint, name, value)
        complaint.outcome_recorded_at = timezone.now()
        complaint.save()
        _on_ticket(complaint, f"recovered={complaint.recovered}", actor)
    return complaint


def _lock(*, workspace: Workspace, complaint_id: int) -> Complaint:
    complaint = (
        Complaint.objects.select_for_update().filter(workspace=workspace, pk=complaint_id).first()
    )
    if complaint is None:
        raise desk_selectors.complaint_not_found()
    return complaint


def _refuse_if_resolved(complaint: Complaint) -> None:
    if complaint.status == ComplaintStatus.RESOLVED:
        raise ServiceError(DeskError.COMPLAINT_STATE, "The complaint is resolved", status=409)


def _on_ticket(complaint: Complaint, what: str, actor: Actor) -> None:
    if complaint.ticket_id is not None:
        ticket = Ticket(pk=complaint.ticket_id, workspace_id=complaint.workspace_id)
        record(
            ticket,
            field=HistoryField.COMPLAINT,
            old=None,
            new=f"{complaint.pk}:{what}"[:250],
            by=who(actor),
        )


def _check_classification(*, severity: int, category: str) -> None:
    if severity not in ComplaintSeverity.values:
        raise ServiceError(
            DeskError.COMPLAINT_INVALID,
            "Severity is 1 (minor) to 4 (critical)",
            status=422,
            field="severity",
        )
    if category not in ComplaintCategory.values:
        raise ServiceError(
            DeskError.COMPLAINT_INVALID,
            f"Unknown complaint category {category!r}",
            status=422,
            field="category",
        )


def _amount(amount: Decimal | str) -> Decimal:
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not (Decimal(0) <= value <= MAX_COMPENSATION):
        raise ServiceError(
            DeskError.COMPENSATION_INVALID,
            f"The amount is between 0 and {MAX_COMPENSATION} yuan",
            status=422,
            field="amount",
        )
    return value


def _clean_text(text: str, *, field: str, required: bool) -> str:
    text = (text or "").replace("\x00", "").strip()
    if (required and not text) or len(text) > MAX_TEXT:
        raise ServiceError(
            DeskError.COMPLAINT_INVALID,
            f"{field} is required and has at most {MAX_TEXT} characters"
            if required
            else f"{field} has at most {MAX_TEXT} characters",
            status=422,
            field=field,
        )
    return text
