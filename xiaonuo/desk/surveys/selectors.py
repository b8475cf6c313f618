"""Reads of the surveys app: settings, surveys, invitations, results and the praise board.
Every function takes the workspace and filters on it."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings as django_settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from xiaonuo.accounts.models import Workspace
from xiaonuo.channels.models import Channel
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk.models import Team
from xiaonuo.desk.surveys.exceptions import SurveysError
from xiaonuo.desk.surveys.models import (
    Invitation,
    InvitationStatus,
    Praise,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyKind,
    SurveySettings,
)
from xiaonuo.desk.surveys.services.definitions import survey_not_found
from xiaonuo.lib.errors import ServiceError

MAX_RESULT_DAYS = 731  # two years per results page
PRAISE_PAGE_SIZE = 50


def get_survey_settings(*, workspace: Workspace) -> SurveySettings:
    """The stored settings, or the defaults (unsaved) before anyone changed them."""
    return SurveySettings.objects.filter(workspace=workspace).first() or SurveySettings(
        workspace=workspace
    )


def list_surveys(*, workspace: Workspace) -> QuerySet[Survey]:
    return Survey.objects.filter(workspace=workspace).order_by("-id")


def get_survey(*, workspace: Workspace, survey_id: int) -> Survey:
    survey = Survey.objects.filter(workspace=workspace, pk=survey_id).first()
    if survey is None:
        raise survey_not_found()
    return survey


def list_ready_invitations(*, workspace: Workspace, limit: int = 200) -> QuerySet[Invitation]:
    """Invitations made but not delivered (NPS, tickets without a conversation), unexpired,
    newest first: the console shows their links to send by hand."""
    return (
        Invitation.objects.filter(
            workspace=workspace, status=InvitationStatus.READY, expires_at__gt=timezone.now()
        )
        .select_related("customer", "survey")
        .order_by("-created_at", "-id")[:limit]
    )


# --- Results ---------------------------------------------------------------------------------


class GroupBy(StrEnum):
    PERIOD = "period"
    AGENT = "agent"
    TEAM = "team"
    CHANNEL = "channel"


class Period(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


_TRUNC = {Period.DAY: TruncDay, Period.WEEK: TruncWeek, Period.MONTH: TruncMonth}
_GROUP_FIELD = {GroupBy.AGENT: "agent_id", GroupBy.TEAM: "team_id", GroupBy.CHANNEL: "channel_id"}


@dataclass(frozen=True)
class ResultsQuery:
    kind: str = SurveyKind.CSAT
    group_by: str = GroupBy.PERIOD
    period: str = Period.WEEK
    start: date | None = None  # inclusive, local dates; default: the last 12 weeks
    end: date | None = None  # inclusive


@dataclass
class ResultRow:
    key: object  # the period's start, a user/team/channel id, or None ("none")
    label: str
    invited: int = 0  # invitations made (sent, ready or answered): the response-rate base
    responses: int = 0
    satisfied: int = 0  # CSAT 4–5
    promoters: int = 0  # NPS 9–10
    detractors: int = 0  # NPS 0–6
    score_sum: int = 0
    nps_kind: bool = False  # the headline figure is NPS, not CSAT

    @property
    def response_rate(self) -> float | None:
        return round(100 * self.responses / self.invited, 1) if self.invited else None

    @property
    def csat(self) -> float | None:
        """% satisfied: answers of 4 or 5 among all answers."""
        return round(100 * self.satisfied / self.responses, 1) if self.responses else None

    @property
    def nps(self) -> float | None:
        """% promoters − % detractors, from −100 to 100."""
        if not self.responses:
            return None
        return round(100 * (self.promoters - self.detractors) / self.responses, 1)

    @property
    def average(self) -> float | None:
        return round(self.score_sum / self.responses, 2) if self.responses else None

    @property
    def headline(self) -> float | None:
        return self.nps if self.nps_kind else self.csat


@dataclass
class Results:
    query: ResultsQuery
    start: date
    end: date
    total: ResultRow
    rows: list[ResultRow] = field(default_factory=list)


def get_results(*, workspace: Workspace, query: ResultsQuery) -> Results:
    """CSAT (% satisfied), NPS (promoters − detractors) and the response rate, by agent, team,
    channel or period, over invitations *made* in the date range (so the response rate compares
    like with like: answers to the invitations of that period)."""
    kind, group_by, period = _checked(query)
    tz = ZoneInfo(django_settings.TIME_ZONE)
    today = timezone.localdate()
    end = query.end or today
    start = query.start or end - timedelta(weeks=12) + timedelta(days=1)
    if start > end or (end - start).days > MAX_RESULT_DAYS:
        raise _bad("start", f"The range is 1 to {MAX_RESULT_DAYS} days, start before end")
    invitations = Invitation.objects.filter(
        workspace=workspace,
        kind=kind,
        created_at__gte=datetime.combine(start, time.min, tzinfo=tz),
        created_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    ).exclude(status=InvitationStatus.SKIPPED)
    if group_by == GroupBy.PERIOD:
        keyed = invitations.annotate(key=_TRUNC[period]("created_at", tzinfo=tz))
    else:
        keyed = invitations.annotate(key=F(_GROUP_FIELD[group_by]))
    aggregates = {
        "invited": Count("id"),
        "responses": Count("response"),
        "satisfied": Count("response", filter=Q(response__score__gte=4)),
        "promoters": Count("response", filter=Q(response__score__gte=9)),
        "detractors": Count("response", filter=Q(response__score__lte=6)),
    }
    grouped: list[dict[str, Any]] = list(
        keyed.values("key").annotate(**aggregates).order_by("key")  # type: ignore[arg-type]
    )
    sums = dict(keyed.values("key").annotate(s=Sum("response__score")).values_list("key", "s"))
    nps = kind == SurveyKind.NPS
    rows = [
        ResultRow(
            key=g["key"],
            label="",
            invited=g["invited"],
            responses=g["responses"],
            satisfied=g["satisfied"] if not nps else 0,
            promoters=g["promoters"] if nps else 0,
            detractors=g["detractors"] if nps else 0,
            score_sum=sums.get(g["key"]) or 0,
            nps_kind=nps,
        )
        for g in grouped
    ]
    _label(workspace, group_by, period, rows)
    total = ResultRow(key=None, label="", nps_kind=nps)
    for row in rows:
        for name in ("invited", "responses", "satisfied", "promoters", "detractors", "score_sum"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    if group_by != GroupBy.PERIOD:
        rows.sort(key=lambda r: (-r.responses, r.label))
    return Results(query=query, start=start, end=end, total=total, rows=rows)


def _checked(query: ResultsQuery) -> tuple[SurveyKind, GroupBy, Period]:
    if query.kind not in SurveyKind.values or query.kind == SurveyKind.CUSTOM:
        raise _bad("kind", "Results are for csat or nps")
    if query.group_by not in GroupBy.__members__.values():
        raise _bad("group_by", "Group by period, agent, team or channel")
    if query.period not in Period.__members__.values():
        raise _bad("period", "The period is day, week or month")
    return SurveyKind(query.kind), GroupBy(query.group_by), Period(query.period)


def _label(workspace: Workspace, group_by: GroupBy, period: Period, rows: list[ResultRow]) -> None:
    if group_by == GroupBy.PERIOD:
        for r in rows:
            r.label = _period_label(r.key, period)
        return
    ids = [int(str(r.key)) for r in rows if r.key is not None]
    if group_by == GroupBy.AGENT:
        names = desk_selectors.get_staff_names(workspace=workspace, user_ids=ids)
    elif group_by == GroupBy.TEAM:
        names = dict(Team.objects.filter(workspace=workspace, pk__in=ids).values_list("pk", "name"))
    else:
        names = dict(
            Channel.objects.filter(workspace=workspace, pk__in=ids).values_list("pk", "name")
        )
    for r in rows:
        r.label = names.get(int(str(r.key)), "") if r.key is not None else ""


def _period_label(key: object, period: Period) -> str:
    if not isinstance(key, datetime | date):
        return ""
    day = (
        key.astimezone(ZoneInfo(django_settings.TIME_ZONE)).date()
        if isinstance(key, datetime)
        else key
    )
    if period == Period.MONTH:
        return day.strftime("%Y-%m")
    return day.isoformat()


def _bad(field_name: str, message: str) -> ServiceError:
    return ServiceError(SurveysError.RESULTS_INVALID, message, status=422, field=field_name)


# --- The praise board -------------------------------------------------------------------------


@dataclass(frozen=True)
class PraiseFilters:
    agent_id: int | None = None
    team_id: int | None = None
    source: str = ""
    start: date | None = None
    end: date | None = None
    before_id: int | None = None  # keyset paging: entries older than this one


@dataclass
class PraiseBoard:
    entries: list[Praise]
    by_agent: list[tuple[str, int, int | None]]  # (name, count, user id), most praised first
    by_team: list[tuple[str, int, int | None]]
    total: int
    next_before_id: int | None


def get_praise_board(*, workspace: Workspace, filters: PraiseFilters) -> PraiseBoard:
    """Praise newest first (one page), and how often each agent and team was praised in the
    same filters (without the paging)."""
    praise = Praise.objects.filter(workspace=workspace)
    if filters.source:
        praise = praise.filter(source=filters.source)
    tz = ZoneInfo(django_settings.TIME_ZONE)
    if filters.start:
        praise = praise.filter(created_at__gte=datetime.combine(filters.start, time.min, tzinfo=tz))
    if filters.end:
        praise = praise.filter(
            created_at__lt=datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=tz)
        )
    counted = praise
    if filters.agent_id is not None:
        praise = praise.filter(agent_id=filters.agent_id)
    if filters.team_id is not None:
        praise = praise.filter(team_id=filters.team_id)
    page = praise
    if filters.before_id is not None:
        anchor = Praise.objects.filter(workspace=workspace, pk=filters.before_id).first()
        if anchor is not None:
            page = page.filter(
                Q(created_at__lt=anchor.created_at)
                | Q(created_at=anchor.created_at, pk__lt=anchor.pk)
            )
    entries = list(
        page.select_related("agent", "team", "channel", "customer").order_by("-created_at", "-id")[
            : PRAISE_PAGE_SIZE + 1
        ]
    )
    more = len(entries) > PRAISE_PAGE_SIZE
    entries = entries[:PRAISE_PAGE_SIZE]
    agent_counts = list(counted.values("agent_id").annotate(n=Count("id")).order_by("-n"))
    team_counts = list(counted.values("team_id").annotate(n=Count("id")).order_by("-n"))
    names = desk_selectors.get_staff_names(
        workspace=workspace, user_ids=[c["agent_id"] for c in agent_counts if c["agent_id"]]
    )
    teams = dict(
        Team.objects.filter(
            workspace=workspace, pk__in=[c["team_id"] for c in team_counts if c["team_id"]]
        ).values_list("pk", "name")
    )
    return PraiseBoard(
        entries=entries,
        by_agent=[(names.get(c["agent_id"], ""), c["n"], c["agent_id"]) for c in agent_counts],
        by_team=[(teams.get(c["team_id"], ""), c["n"], c["team_id"]) for c in team_counts],
        total=praise.count(),
        next_before_id=entries[-1].pk if more else None,
    )


# --- A custom survey's answers ----------------------------------------------------------------

SUMMARY_RESPONSES = 2000  # the newest answers summarised on the survey page
SUMMARY_TEXTS = 20


@dataclass
class QuestionSummary:
    question: Question
    answered: int = 0
    average: float | None = None  # rating questions
    options: list[tuple[str, int]] = field(default_factory=list)  # choice questions
    texts: list[str] = field(default_factory=list)  # text questions: the newest few


@dataclass
class SurveySummary:
    invited: int
    responses: int
    questions: list[QuestionSummary]


def get_survey_summary(*, workspace: Workspace, survey: Survey) -> SurveySummary:
    """Counts per option, average ratings and the newest text answers of one survey."""
    invitations = Invitation.objects.filter(workspace=workspace, survey=survey).exclude(
        status=InvitationStatus.SKIPPED
    )
    answers = list(
        Response.objects.filter(workspace=workspace, invitation__survey=survey)
        .order_by("-created_at", "-id")
        .values_list("answers", flat=True)[:SUMMARY_RESPONSES]
    )
    summaries = []
    for question in survey.questions.all():
        values = [a[str(question.pk)] for a in answers if str(question.pk) in a]
        summary = QuestionSummary(question=question, answered=len(values))
        if question.kind == QuestionKind.RATING and values:
            summary.average = round(sum(values) / len(values), 2)
        elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            chosen = [
                v for value in values for v in (value if isinstance(value, list) else [value])
            ]
            summary.options = [(option, chosen.count(option)) for option in question.options]
        elif question.kind == QuestionKind.TEXT:
            summary.texts = [str(v) for v in values[:SUMMARY_TEXTS]]
        summaries.append(summary)
    return SurveySummary(invited=invitations.count(), responses=len(answers), questions=summaries)
