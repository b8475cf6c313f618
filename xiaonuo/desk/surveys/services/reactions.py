"""The surveys' reactions to what happens to customers (to be wired in ``xiaonuo/listeners.py``
under ``customer.merged``; an erasure needs none: invitations, responses and praise are deleted
with the customer's row and tickets)."""

from django.db.models import F, Value
from django.db.models.functions import Concat

from xiaonuo.desk.surveys.models import Invitation, Praise, SurveyKind


def move_surveys_to_survivor(*, workspace_id: int, survivor_id: int, merged_id: int) -> None:
    """A customer merge (same transaction, before the merged row is deleted): the merged
    person's invitations, answers and praise belong to the survivor. NPS periods both were asked
    in keep both decisions; the merged one's period key is marked so the one-per-period
    constraint holds."""
    survivor_periods = Invitation.objects.filter(
        workspace_id=workspace_id, customer_id=survivor_id, kind=SurveyKind.NPS
    ).values("period_key")
    Invitation.objects.filter(
        workspace_id=workspace_id,
        customer_id=merged_id,
        kind=SurveyKind.NPS,
        period_key__in=survivor_periods,
    ).update(period_key=Concat(F("period_key"), Value(f":m{merged_id}")))
    Invitation.objects.filter(workspace_id=workspace_id, customer_id=merged_id).update(
        customer_id=survivor_id
    )
    Praise.objects.filter(workspace_id=workspace_id, customer_id=merged_id).update(
        customer_id=survivor_id
    )
