"""A workspace's survey settings and its own multi-question surveys."""

from collections.abc import Sequence
from dataclasses import dataclass, fields

from django.db import IntegrityError, transaction
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.accounts.services import Actor
from xiaonuo.desk.surveys.exceptions import SurveysError
from xiaonuo.desk.surveys.models import (
    MAX_LINK_VALID_DAYS,
    Question,
    QuestionKind,
    Survey,
    SurveySettings,
)
from xiaonuo.lib.errors import NotFound, ServiceError

# (lowest, highest) accepted for each number in the settings.
SETTING_LIMITS: dict[str, tuple[int, int]] = {
    "csat_delay_minutes": (0, 7 * 24 * 60),  # up to a week after the solve
    "csat_sample_percent": (0, 100),
    "fatigue_cap": (0, 30),  # 0: nobody is surveyed automatically
    "link_valid_days": (1, MAX_LINK_VALID_DAYS),
    "nps_interval_days": (7, 365),
    "nps_active_days": (1, 365),
    "nps_sample_percent": (0, 100),
}
MAX_QUESTIONS = 20
MAX_OPTIONS = 20
MAX_OPTION_CHARS = 100


@dataclass(frozen=True)
class SettingsChanges:
    """Only the fields given (not None) change."""

    csat_enabled: bool | None = None
    csat_delay_minutes: int | None = None
    csat_sample_percent: int | None = None
    fatigue_cap: int | None = None
    link_valid_days: int | None = None
    nps_enabled: bool | None = None
    nps_interval_days: int | None = None
    nps_active_days: int | None = None
    nps_sample_percent: int | None = None


def lock_settings(*, workspace: Workspace) -> SurveySettings:
    """The workspace's settings row, created with the defaults if missing, locked until the end
    of the caller's transaction: the *survey lock* (models module docstring)."""
    SurveySettings.objects.get_or_create(workspace=workspace)
    return SurveySettings.objects.select_for_update().get(workspace=workspace)


def update_survey_settings(
    *, workspace: Workspace, changes: SettingsChanges, actor: Actor
) -> SurveySettings:
    """Check every value first; write all or nothing."""
    for field in fields(changes):
        value = getattr(changes, field.name)
        if value is None or field.name not in SETTING_LIMITS:
            continue
        low, high = SETTING_LIMITS[field.name]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ServiceError(
                SurveysError.SETTINGS_INVALID,
                f"{field.name} must be a whole number from {low} to {high}",
                status=422,
                field=field.name,
                minimum=low,
                maximum=high,
            )
    with transaction.atomic():
        settings = lock_settings(workspace=workspace)
        if changes.csat_enabled and not settings.csat_enabled:
            # Switched back on: tickets solved while it was off are not asked now.
            settings.csat_since = timezone.now()
        for field in fields(changes):
            value = getattr(changes, field.name)
            if value is not None:
                setattr(settings, field.name, value)
        settings.save()
    return settings


@dataclass(frozen=True)
class QuestionSpec:
    kind: str  # a QuestionKind value
    text: str
    required: bool = False
    options: Sequence[str] = ()  # single and multiple choice only


def create_survey(
    *, workspace: Workspace, name: str, intro: str, questions: Sequence[QuestionSpec], actor: Actor
) -> Survey:
    """A multi-question survey, its questions in the order given. Surveys are not edited once
    made (answers refer to their questions); make a new one and switch the old one off."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise _invalid("name", "A survey needs a name of at most 100 characters")
    if len(intro) > 2000:
        raise _invalid("intro", "The introduction has at most 2,000 characters")
    if not questions or len(questions) > MAX_QUESTIONS:
        raise _invalid("questions", f"A survey has 1 to {MAX_QUESTIONS} questions")
    cleaned = [_clean_question(q, i) for i, q in enumerate(questions, 1)]
    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                workspace=workspace, name=name, intro=intro.strip(), created_by=actor.user
            )
            Question.objects.bulk_create(
                Question(survey=survey, position=i, **q) for i, q in enumerate(cleaned, 1)
            )
    except IntegrityError:
        raise ServiceError(
            SurveysError.SURVEY_NAME_TAKEN, "A survey with this name exists", status=409
        ) from None
    return survey


def _clean_question(spec: QuestionSpec, position: int) -> dict[str, object]:
    field = f"questions[{position}]"
    if spec.kind not in QuestionKind.values:
        raise _invalid(field, f"Unknown question kind {spec.kind!r}")
    text = (spec.text or "").strip()
    if not text or len(text) > 300:
        raise _invalid(field, "A question needs a text of at most 300 characters")
    options = [o.strip() for o in spec.options if o and o.strip()]
    choice = spec.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
    if choice and not 2 <= len(options) <= MAX_OPTIONS:
        raise _invalid(field, f"A choice question has 2 to {MAX_OPTIONS} options")
    if choice and (len(set(options)) != len(options) or max(map(len, options)) > MAX_OPTION_CHARS):
        raise _invalid(field, "Options must differ and have at most 100 characters")
    return {
        "kind": spec.kind,
        "text": text,
        "required": bool(spec.required),
        "options": options if choice else [],
    }


def set_survey_active(
    *, workspace: Workspace, survey_id: int, active: bool, actor: Actor
) -> Survey:
    updated = Survey.objects.filter(workspace=workspace, pk=survey_id).update(active=active)
    if updated != 1:
        raise survey_not_found()
    return Survey.objects.get(pk=survey_id)


def survey_not_found() -> NotFound:
    return NotFound(SurveysError.SURVEY_NOT_FOUND, "Survey not found")


def _invalid(field: str, message: str) -> ServiceError:
    return ServiceError(SurveysError.SURVEY_INVALID, message, status=422, field=field)
