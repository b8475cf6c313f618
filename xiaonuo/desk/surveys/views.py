"""Pages of the surveys app.

Console pages (results, praise board, surveys, ready links, settings) are thin: parse, check the
permission (``workspace_required``), call one selector or service, render; an id of another
workspace is a 404. Public pages (``/desk/surveys/r/<token>/``) need no sign-in: the signed token
is the key, and they show nothing of the workspace but its name.
"""

import csv
import io
from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from xiaonuo.accounts.auth import ConsoleRequest, has_perm, workspace_required
from xiaonuo.accounts.permissions import Perm
from xiaonuo.accounts.services import Actor
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk.surveys import selectors as surveys_selectors
from xiaonuo.desk.surveys import services as surveys_services
from xiaonuo.desk.surveys.exceptions import SurveysError
from xiaonuo.desk.surveys.forms import QuestionFormSet, SendSurveyForm, SettingsForm, SurveyForm
from xiaonuo.desk.surveys.models import Invitation, PraiseSource, SurveyKind
from xiaonuo.desk.surveys.selectors import GroupBy, Period, PraiseFilters, ResultsQuery
from xiaonuo.desk.surveys.services.responses import Submission, get_open_invitation
from xiaonuo.lib.errors import ServiceError

_AREA = {"active_area": "inbox"}


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _results_query(request: HttpRequest) -> ResultsQuery:
    return ResultsQuery(
        kind=request.GET.get("kind") or SurveyKind.CSAT,
        group_by=request.GET.get("by") or GroupBy.PERIOD,
        period=request.GET.get("period") or Period.WEEK,
        start=_date(request.GET.get("start")),
        end=_date(request.GET.get("end")),
    )


@workspace_required(Perm.VIEW_DESK)
def results(request: ConsoleRequest) -> HttpResponse:
    query = _results_query(request)
    try:
        found = surveys_selectors.get_results(workspace=request.workspace, query=query)
    except ServiceError as error:
        context = {**_AREA, "error": error, "query": query, "choices": _choices()}
        return render(request, "desk_surveys/results.html", context, status=400)
    chart = {
        "labels": [row.label or _("未指定") for row in found.rows],
        "values": [row.headline if row.headline is not None else 0 for row in found.rows],
    }
    context = {**_AREA, "results": found, "query": query, "chart": chart, "choices": _choices()}
    return render(request, "desk_surveys/results.html", context)


def _choices() -> dict[str, list[tuple[str, str]]]:
    return {
        "kinds": [(SurveyKind.CSAT, _("满意度（CSAT）")), (SurveyKind.NPS, _("净推荐值（NPS）"))],
        "groups": [
            (GroupBy.PERIOD, _("按时间")),
            (GroupBy.AGENT, _("按客服")),
            (GroupBy.TEAM, _("按团队")),
            (GroupBy.CHANNEL, _("按渠道")),
        ],
        "periods": [(Period.DAY, _("日")), (Period.WEEK, _("周")), (Period.MONTH, _("月"))],
    }


@workspace_required(Perm.VIEW_DESK)
def results_csv(request: ConsoleRequest) -> HttpResponse:
    query = _results_query(request)
    try:
        found = surveys_selectors.get_results(workspace=request.workspace, query=query)
    except ServiceError as error:
        return HttpResponse(error.code, status=400, content_type="text/plain; charset=utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [_("分组"), _("邀请数"), _("回答数"), _("回答率 %"), _("满意度 %"), "NPS", _("平均分")]
    )
    for row in [*found.rows, found.total]:
        label = row.label or (_("合计") if row is found.total else _("未指定"))
        writer.writerow(
            [
                _csv_safe(label),
                row.invited,
                row.responses,
                _blank(row.response_rate),
                _blank(row.csat if query.kind == SurveyKind.CSAT else None),
                _blank(row.nps if query.kind == SurveyKind.NPS else None),
                _blank(row.average),
            ]
        )
    # With a byte-order mark: Excel opens UTF-8 Chinese correctly only then.
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"survey-{query.kind}-{query.group_by}-{found.start}-{found.end}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _blank(value: float | None) -> str:
    return "" if value is None else str(value)


def _csv_safe(text: str) -> str:
    # A name starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@workspace_required(Perm.VIEW_DESK)
def praise_board(request: ConsoleRequest) -> HttpResponse:
    source = request.GET.get("source", "")
    filters = PraiseFilters(
        agent_id=_int(request.GET.get("agent")),
        team_id=_int(request.GET.get("team")),
        source=source if source in PraiseSource.values else "",
        start=_date(request.GET.get("start")),
        end=_date(request.GET.get("end")),
        before_id=_int(request.GET.get("before")),
    )
    board = surveys_selectors.get_praise_board(workspace=request.workspace, filters=filters)
    context = {
        **_AREA,
        "board": board,
        "filters": filters,
        "agents": desk_selectors.list_agents(workspace=request.workspace),
        "teams": desk_selectors.list_teams(workspace=request.workspace),
        "sources": PraiseSource.choices,
    }
    return render(request, "desk_surveys/praise.html", context)


@workspace_required(Perm.MANAGE_DESK)
def settings_page(request: ConsoleRequest) -> HttpResponse:
    current = surveys_selectors.get_survey_settings(workspace=request.workspace)
    form = SettingsForm(request.POST or None, instance=current)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                surveys_services.update_survey_settings(
                    workspace=request.workspace,
                    changes=surveys_services.SettingsChanges(**data),
                    actor=Actor(user=request.user),
                )
            except ServiceError as error:
                form.add_error(error.details.get("field"), error.message)
            else:
                messages.success(request, _("问卷设置已保存。"))
                return redirect("desk_surveys:settings")
        status = 400
    return render(request, "desk_surveys/settings.html", {**_AREA, "form": form}, status=status)


@workspace_required(Perm.VIEW_DESK)
def survey_list(request: ConsoleRequest) -> HttpResponse:
    context = {
        **_AREA,
        "surveys": surveys_selectors.list_surveys(workspace=request.workspace),
        "can_manage": has_perm(request, Perm.MANAGE_DESK),
    }
    return render(request, "desk_surveys/surveys.html", context)


@workspace_required(Perm.MANAGE_DESK)
def survey_new(request: ConsoleRequest) -> HttpResponse:
    form = SurveyForm(request.POST or None)
    questions = QuestionFormSet(request.POST or None, prefix="q")
    status = 200
    if request.method == "POST":
        if form.is_valid() and questions.is_valid():
            specs = [
                surveys_services.QuestionSpec(
                    kind=q["kind"],
                    text=q["text"],
                    required=q["required"],
                    options=q["options"].splitlines(),
                )
                for q in questions.cleaned_data
                if q and q.get("text", "").strip()
            ]
            try:
                survey = surveys_services.create_survey(
                    workspace=request.workspace,
                    name=form.cleaned_data["name"],
                    intro=form.cleaned_data["intro"],
                    questions=specs,
                    actor=Actor(user=request.user),
                )
            except ServiceError as error:
                form.add_error(None, _survey_error(error))
            else:
                return redirect("desk_surveys:survey", survey.pk)
        status = 400
    context = {**_AREA, "form": form, "questions": questions}
    return render(request, "desk_surveys/survey_new.html", context, status=status)


def _survey_error(error: ServiceError) -> str:
    if error.code == SurveysError.SURVEY_NAME_TAKEN:
        return _("已有同名问卷。")
    if error.details.get("field") == "questions":
        return _("问卷需要 1 到 20 道题。")
    return _("请检查题目：选择题需要 2 到 20 个不重复的选项。")


def _render_survey(
    request: ConsoleRequest,
    survey_id: int,
    *,
    send_form: SendSurveyForm | None = None,
    status: int = 200,
) -> HttpResponse:
    survey = surveys_selectors.get_survey(workspace=request.workspace, survey_id=survey_id)
    context = {
        **_AREA,
        "survey": survey,
        "summary": surveys_selectors.get_survey_summary(workspace=request.workspace, survey=survey),
        "send_form": send_form or SendSurveyForm(),
        "can_send": has_perm(request, Perm.HANDLE_CONVERSATIONS),
        "can_manage": has_perm(request, Perm.MANAGE_DESK),
    }
    return render(request, "desk_surveys/survey_detail.html", context, status=status)


@workspace_required(Perm.VIEW_DESK)
def survey_detail(request: ConsoleRequest, survey_id: int) -> HttpResponse:
    return _render_survey(request, survey_id)


@require_POST
@workspace_required(Perm.HANDLE_CONVERSATIONS)
def survey_send(request: ConsoleRequest, survey_id: int) -> HttpResponse:
    form = SendSurveyForm(request.POST)
    if not form.is_valid():
        return _render_survey(request, survey_id, send_form=form, status=400)
    try:
        invitation = surveys_services.send_survey_on_ticket(
            workspace=request.workspace,
            survey_id=survey_id,
            ticket_id=form.cleaned_data["ticket_id"],
            actor=Actor(user=request.user),
        )
    except ServiceError as error:
        if error.status == 404 and error.code != SurveysError.SURVEY_NOT_FOUND:
            form.add_error("ticket_id", _("找不到这个工单。"))
        elif error.code == SurveysError.SURVEY_NOT_FOUND:
            raise
        else:
            form.add_error("ticket_id", _send_error(error))
        return _render_survey(request, survey_id, send_form=form, status=400)
    if invitation.delivery_note:
        messages.info(request, _("问卷链接已生成，但无法通过会话发送，请在“待发送链接”中复制。"))
    else:
        messages.success(request, _("问卷已发送到工单的会话。"))
    return redirect("desk_surveys:survey", survey_id)


def _send_error(error: ServiceError) -> str:
    known: dict[str, str] = {
        SurveysError.SURVEY_INACTIVE: _("这份问卷已停用。"),
        SurveysError.SURVEY_ALREADY_SENT: _("这份问卷已经在这个工单上发过了。"),
        SurveysError.NO_CONSENT: _("客户拒绝接收营销消息，不能发送问卷。"),
    }
    return known.get(error.code, error.message)


@require_POST
@workspace_required(Perm.MANAGE_DESK)
def survey_active(request: ConsoleRequest, survey_id: int) -> HttpResponse:
    surveys_services.set_survey_active(
        workspace=request.workspace,
        survey_id=survey_id,
        active=request.POST.get("active") == "1",
        actor=Actor(user=request.user),
    )
    return redirect("desk_surveys:survey", survey_id)


@workspace_required(Perm.VIEW_DESK)
def ready_links(request: ConsoleRequest) -> HttpResponse:
    from xiaonuo.desk.surveys import links

    invitations = surveys_selectors.list_ready_invitations(workspace=request.workspace)
    rows = [(invitation, links.link_for(invitation)) for invitation in invitations]
    return render(request, "desk_surveys/ready.html", {**_AREA, "rows": rows})


# --- Public pages (no sign-in) ----------------------------------------------------------------

_PROBLEM_PAGES: dict[str, int] = {
    SurveysError.LINK_INVALID: 404,
    SurveysError.LINK_EXPIRED: 410,
    SurveysError.ALREADY_ANSWERED: 409,
}


def respond(request: HttpRequest, token: str) -> HttpResponse:
    """The survey a link opens; POST stores the answers once and shows the thank-you page."""
    try:
        invitation = get_open_invitation(token=token)
    except ServiceError as error:
        return _link_problem(request, error)
    if request.method != "POST":
        return _render_respond(request, invitation)
    submission = Submission(
        score=request.POST.get("score"),
        comment=request.POST.get("comment", ""),
        answers={key: request.POST.getlist(key) for key in request.POST if key.startswith("q")},
    )
    try:
        surveys_services.submit_response(token=token, submission=submission)
    except ServiceError as error:
        if error.code in _PROBLEM_PAGES:
            return _link_problem(request, error)
        return _render_respond(request, invitation, error=error, posted=request.POST, status=422)
    return redirect("desk_surveys:thanks")


def _render_respond(
    request: HttpRequest,
    invitation: Invitation,
    *,
    error: ServiceError | None = None,
    posted: QueryDict | None = None,
    status: int = 200,
) -> HttpResponse:
    error_field = error.details.get("field") if error else None
    questions = [
        (q, error_field == f"q{q.pk}")
        for q in (invitation.survey.questions.all() if invitation.survey else [])
    ]
    context = {
        "invitation": invitation,
        "workspace_name": invitation.workspace.name,
        "kind": invitation.kind,
        "scores": range(1, 6) if invitation.kind == SurveyKind.CSAT else range(0, 11),
        "questions": questions,
        "error": error,
        "error_field": error_field,
        "error_reason": error.details.get("reason") if error else None,
        "posted": posted,
    }
    response = render(request, "desk_surveys/public/respond.html", context, status=status)
    _private(response)
    return response


def _link_problem(request: HttpRequest, error: ServiceError) -> HttpResponse:
    status = _PROBLEM_PAGES.get(error.code, 404)
    response = render(
        request, "desk_surveys/public/link_problem.html", {"code": error.code}, status=status
    )
    _private(response)
    return response


def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "desk_surveys/public/thanks.html")


def _private(response: HttpResponse) -> None:
    # A survey page must not be kept by a shared cache, nor leak its link in a Referer.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
