"""Builders for the surveys' tests, on top of ``xiaonuo.testing`` (everything through services)."""

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.desk.models import Ticket
from xiaonuo.desk.surveys import services as surveys_services
from xiaonuo.desk.surveys.models import Invitation, SurveyKind
from xiaonuo.desk.surveys.services.responses import Submission
from xiaonuo.testing import make_ticket


def configure(workspace: Workspace, **changes: Any) -> None:
    defaults = {"csat_delay_minutes": 60, "csat_sample_percent": 100, "fatigue_cap": 5}
    surveys_services.update_survey_settings(
        workspace=workspace,
        changes=surveys_services.SettingsChanges(**{**defaults, **changes}),
        actor=Actor(),
    )


def after_delay(ticket: Ticket, minutes: int = 61) -> datetime:
    assert ticket.solved_at is not None
    return ticket.solved_at + timedelta(minutes=minutes)


def solved_ticket(workspace: Workspace, **kwargs: Any) -> Ticket:
    return make_ticket(workspace=workspace, status="solved", **kwargs)


def csat_invitation(workspace: Workspace, ticket: Ticket, minutes: int = 61) -> Invitation:
    """Run the CSAT job ``minutes`` after the solve (past the default delay); the ticket's
    invitation."""
    surveys_services.create_csat_invitations(
        workspace=workspace, now=after_delay(ticket, minutes=minutes)
    )
    return Invitation.objects.get(ticket=ticket, kind=SurveyKind.CSAT)


def answer(token: str, score: int | str | None = None, comment: str = "", **answers: Any) -> Any:
    return surveys_services.submit_response(
        token=token,
        submission=Submission(
            score=None if score is None else str(score),
            comment=comment,
            answers={k: v if isinstance(v, list) else [v] for k, v in answers.items()},
        ),
        now=timezone.now(),
    )
