"""A customer answers through a survey link: validated, stored once, praise noted."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from xiaonuo.desk.surveys import links
from xiaonuo.desk.surveys.exceptions import SurveysError
from xiaonuo.desk.surveys.models import (
    MAX_COMMENT_CHARS,
    Invitation,
    InvitationStatus,
    Question,
    QuestionKind,
    Response,
    SurveyKind,
)
from xiaonuo.desk.surveys.services.praise import record_survey_praise
from xiaonuo.lib.dispatch import dispatch_on_commit
from xiaonuo.lib.errors import ServiceError

# The score range of each built-in kind.
SCORE_RANGES = {SurveyKind.CSAT: (1, 5), SurveyKind.NPS: (0, 10)}


@dataclass(frozen=True)
class Submission:
    """What the public page posted, as plain values (the view does no checking)."""

    score: str | None = None  # CSAT / NPS
    comment: str = ""
    answers: Mapping[str, Sequence[str]] | None = None  # custom: "q<id>" → the values posted


def submit_response(*, token: str, submission: Submission, now: datetime | None = None) -> Response:
    """Store the answers to the invitation the token names — once.

    Checks the link (signature, invitation, expiry, not answered yet) and every answer before
    writing. The invitation is claimed by a conditional UPDATE (``sent``/``ready`` → ``answered``
    while not expired): of two submits racing, exactly one updates the row and stores its answers;
    the other is refused with ``survey_already_answered`` and stores nothing.
    """
    now = now or timezone.now()
    invitation = get_open_invitation(token=token, now=now)
    score, comment, answers = _clean(invitation, submission)
    with transaction.atomic():
        claimed = Invitation.objects.filter(
            pk=invitation.pk,
            status__in=(InvitationStatus.SENT, InvitationStatus.READY),
            expires_at__gt=now,
        ).update(status=InvitationStatus.ANSWERED, answered_at=now)
        if claimed != 1:
            invitation.refresh_from_db()
            raise _closed(invitation, now)
        response = Response.objects.create(
            workspace_id=invitation.workspace_id,
            invitation=invitation,
            score=score,
            comment=comment,
            answers=answers,
            created_at=now,
        )
        record_survey_praise(invitation=invitation, response=response)
        dispatch_on_commit(
            "survey.response_created", workspace_id=response.workspace_id, response_id=response.pk
        )
    return response


def get_open_invitation(*, token: str, now: datetime | None = None) -> Invitation:
    """The invitation a link names, if it may still be answered; otherwise the reason:
    ``survey_link_invalid`` (404), ``survey_link_expired`` (410), ``survey_already_answered``
    (409). A token names its workspace too, and both must match: a token of one workspace can
    never open another's invitation."""
    workspace_id, invitation_id = links.read_token(token)
    invitation = (
        Invitation.objects.select_related("survey", "workspace")
        .filter(pk=invitation_id, workspace_id=workspace_id)
        .exclude(status=InvitationStatus.SKIPPED)
        .first()
    )
    if invitation is None:
        raise links.invalid_link()
    now = now or timezone.now()
    if invitation.status == InvitationStatus.ANSWERED or not _still_valid(invitation, now):
        raise _closed(invitation, now)
    return invitation


def _still_valid(invitation: Invitation, now: datetime) -> bool:
    return invitation.expires_at is not None and invitation.expires_at > now


def _closed(invitation: Invitation, now: datetime) -> ServiceError:
    if invitation.status == InvitationStatus.ANSWERED:
        return ServiceError(
            SurveysError.ALREADY_ANSWERED, "This survey has already been answered", status=409
        )
    if not _still_valid(invitation, now):
        return links.expired_link()
    return links.invalid_link()


def _clean(
    invitation: Invitation, submission: Submission
) -> tuple[int | None, str, dict[str, Any]]:
    comment = _clean_text(submission.comment, field="comment")
    if invitation.kind in SCORE_RANGES:
        low, high = SCORE_RANGES[SurveyKind(invitation.kind)]
        return _score(submission.score, low, high, field="score"), comment, {}
    questions = list(invitation.survey.questions.all()) if invitation.survey else []
    raw = submission.answers or {}
    answers: dict[str, Any] = {}
    for question in questions:
        values = [v for v in raw.get(f"q{question.pk}", ()) if v is not None and str(v).strip()]
        value = _answer(question, values)
        if value is not None:
            answers[str(question.pk)] = value
    return None, comment, answers


def _answer(question: Question, values: list[str]) -> Any:
    field = f"q{question.pk}"
    if not values:
        if question.required:
            raise _bad(field, "This question must be answered", "required")
        return None
    if question.kind == QuestionKind.RATING:
        return _score(values[0] if len(values) == 1 else "", 1, 5, field=field)
    if question.kind == QuestionKind.TEXT:
        return _clean_text(values[0] if len(values) == 1 else "", field=field) or None
    chosen = [_option(question, v, field) for v in values]
    if question.kind == QuestionKind.SINGLE:
        if len(chosen) != 1:
            raise _bad(field, "Choose one option", "option")
        return chosen[0]
    if len(set(chosen)) != len(chosen):
        raise _bad(field, "An option was chosen twice", "option")
    return sorted(chosen, key=question.options.index)


def _option(question: Question, value: str, field: str) -> str:
    # Options are posted by their position (1-based), so a label with odd characters is safe.
    try:
        index = int(value)
    except (TypeError, ValueError):
        raise _bad(field, "Unknown option", "option") from None
    if not 1 <= index <= len(question.options):
        raise _bad(field, "Unknown option", "option")
    return str(question.options[index - 1])


def _score(value: str | None, low: int, high: int, *, field: str) -> int:
    try:
        score = int(str(value).strip())
    except (TypeError, ValueError):
        raise _bad(field, f"Choose a score from {low} to {high}", "range") from None
    if not low <= score <= high:
        raise _bad(field, f"Choose a score from {low} to {high}", "range")
    return score


def _clean_text(value: str | None, *, field: str) -> str:
    """Stored verbatim (HTML is text, escaped where shown); NUL removed for PostgreSQL."""
    text = (value or "").replace("\x00", "").strip()
    if len(text) > MAX_COMMENT_CHARS:
        raise _bad(field, f"At most {MAX_COMMENT_CHARS} characters", "too_long")
    return text


def _bad(field: str, message: str, reason: str) -> ServiceError:
    """``reason``: required, range (a score outside its scale), option (not one of the
    choices, or a choice question answered wrongly) or too_long."""
    return ServiceError(
        SurveysError.ANSWER_INVALID, message, status=422, field=field, reason=reason
    )
