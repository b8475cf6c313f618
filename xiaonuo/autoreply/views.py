"""The auto-reply console: the knowledge-base editor (entries, history, import and export),
keyword rules, settings (threshold, welcome reply, channels, dictionary, synonyms), the test box,
the metrics with the unanswered-question groups, and the suggestion panel on a desk ticket.

Who may do what (docs/permissions.md): everyone who reads the desk reads all of this and may use
the test box; ``manage_autoreply`` writes the knowledge base, rules and settings and decides on
unanswered groups; people who serve conversations (and ``manage_autoreply``) confirm which entry
answers a question, which trains the matcher. Forms work without JavaScript; with htmx the test
box and the ticket's panel are swapped in place.
"""

from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from xiaonuo.accounts.auth import ConsoleRequest, has_perm, workspace_required
from xiaonuo.accounts.permissions import Perm
from xiaonuo.accounts.services import Actor
from xiaonuo.autoreply import selectors as autoreply_selectors
from xiaonuo.autoreply import services as autoreply_services
from xiaonuo.autoreply.exceptions import AutoReplyError
from xiaonuo.autoreply.forms import (
    ConfirmEntryForm,
    ConfirmForm,
    DictionaryForm,
    EntryFilterForm,
    EntryForm,
    ImportForm,
    MetricsRangeForm,
    RuleForm,
    SettingsForm,
    SynonymForm,
    TestForm,
)
from xiaonuo.autoreply.matching import DEFAULT_THRESHOLD
from xiaonuo.autoreply.models import (
    QUESTION_MAX_CHARS,
    AnswerKind,
    FaqEntry,
    HandOffReason,
    KeywordRule,
    RevisionAction,
)
from xiaonuo.desk import selectors as desk_selectors
from xiaonuo.desk.views import _common as desk_common
from xiaonuo.lib.errors import ServiceError

PAGE_SIZE = 50

# The services' messages are English, for API clients; the console says the same in the
# reader's language, keyed by the stable code.
ERROR_TEXT: dict[str, Promise] = {
    AutoReplyError.QUESTION_INVALID: gettext_lazy(
        "问题不能为空，每条最多 300 个字符；每条问答最多 100 种其他问法。"
    ),
    AutoReplyError.QUESTION_TAKEN: gettext_lazy("已经有一条问答用了这个标准问题。"),
    AutoReplyError.ANSWER_INVALID: gettext_lazy(
        "回复不完整：文本要有内容，链接要有地址，图文要有标题和地址，图片要有素材 ID 或地址；"
        "地址以 http:// 或 https:// 开头。"
    ),
    AutoReplyError.VALIDITY_INVALID: gettext_lazy("失效时间要晚于生效时间。"),
    AutoReplyError.TAG_INVALID: gettext_lazy("每个标签最多 30 个字符，每条问答最多 20 个标签。"),
    AutoReplyError.PATTERN_INVALID: gettext_lazy(
        "关键词不能为空，最多 200 个字符；正则表达式要写对。"
    ),
    AutoReplyError.PATTERN_UNSAFE: gettext_lazy(
        "这个正则表达式可能匹配得非常慢（嵌套的重复），请改写得简单一些。"
    ),
    AutoReplyError.MATCH_TYPE_INVALID: gettext_lazy("未知的匹配方式。"),
    AutoReplyError.WORD_INVALID: gettext_lazy("词典里每个词 1–30 个字符，不含空格。"),
    AutoReplyError.SYNONYMS_INVALID: gettext_lazy(
        "一组同义词要有 2–50 个不同的词，每个词 1–30 个字符、不含空格。"
    ),
    AutoReplyError.SETTINGS_INVALID: gettext_lazy(
        "设置无效：阈值在 0 到 1 之间，重复次数 2–20，时间窗 1–1440 分钟。"
    ),
    AutoReplyError.IMPORT_INVALID: gettext_lazy("文件有错误，没有导入任何内容。"),
    AutoReplyError.GROUP_DECIDED: gettext_lazy("这组问题已经处理过了。"),
    AutoReplyError.QUERY_INVALID: gettext_lazy("请输入问题，最多 300 个字符。"),
}

REASON_TEXT: dict[str, Promise] = {
    HandOffReason.LOW_CONFIDENCE: gettext_lazy("机器人没有把握（置信度低于阈值）"),
    HandOffReason.ASKED_FOR_PERSON: gettext_lazy("用户要求人工"),
    HandOffReason.REPEAT: gettext_lazy("用户反复问同一个问题"),
    HandOffReason.FRUSTRATION: gettext_lazy("用户对机器人不满"),
}

# The matcher's features as people read them (``matching.FEATURES``), in the order shown.
WHY_TEXT: dict[str, Promise] = {
    "exact": gettext_lazy("与某种问法完全相同"),
    "classifier": gettext_lazy("像客服确认过的问法"),
    "bm25_words": gettext_lazy("词语相似度"),
    "bm25_chars": gettext_lazy("字面相似度"),
    "word_overlap_query": gettext_lazy("问题里的词有多少在问法里"),
    "char_overlap_query": gettext_lazy("问题里的字有多少在问法里"),
    "common_substring": gettext_lazy("最长相同片段"),
    "question_agree": gettext_lazy("问的是同一类（怎么/多久/在哪…）"),
    "question_conflict": gettext_lazy("问的不是同一类"),
    "phrasings_hit": gettext_lazy("命中的问法数"),
    "fused_gap": gettext_lazy("领先第二名的幅度"),
}


def error_text(error: ServiceError) -> str:
    return str(ERROR_TEXT.get(error.code, error.message))


def reason_text(reason: str) -> str:
    return str(REASON_TEXT.get(reason, reason))


def why_rows(why: dict[str, float], *, limit: int = 4) -> list[tuple[str, float]]:
    """The features behind a confidence that a person can read, those that count most first
    (in ``WHY_TEXT``'s order); features that speak against a candidate are left out."""
    rows = [(str(label), why[key]) for key, label in WHY_TEXT.items() if why.get(key, 0) > 0]
    return rows[:limit]


def can_manage(request: ConsoleRequest) -> bool:
    return has_perm(request, Perm.MANAGE_AUTOREPLY)


def can_train(request: ConsoleRequest) -> bool:
    return has_perm(request, Perm.HANDLE_CONVERSATIONS) or can_manage(request)


def _actor(request: ConsoleRequest) -> Actor:
    return Actor(user=request.user)


def _context(request: ConsoleRequest, tab: str, **extra: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "active_area": "autoreply",
        "tab": tab,
        "can_manage": can_manage(request),
        "can_train": can_train(request),
    }
    context.update(extra)
    return context


# --- Entries -------------------------------------------------------------------------------------


@workspace_required(Perm.VIEW_DESK)
def entry_list(request: ConsoleRequest) -> HttpResponse:
    form = EntryFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    enabled = {"on": True, "off": False}.get(data.get("enabled", ""))
    rows = autoreply_selectors.list_entries(
        workspace=request.workspace,
        search=data.get("q", ""),
        tag=data.get("tag", ""),
        enabled=enabled,
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    filters = {k: v for k, v in data.items() if v}
    context = _context(
        request,
        "entries",
        form=form,
        page=page,
        total=page.paginator.count,
        tags=autoreply_selectors.list_entry_tags(workspace=request.workspace),
        filtered=bool(filters),
        filter_query=urlencode(filters),
        out_of_period={
            e.pk
            for e in page.object_list
            if (e.valid_from and e.valid_from > now) or (e.valid_until and e.valid_until <= now)
        },
    )
    return render(request, "autoreply/entries.html", context)


def _entry_initial(entry: FaqEntry) -> dict[str, Any]:
    return {
        "question": entry.question,
        "phrasings": "\n".join(p.text for p in entry.phrasings.order_by("pk")),
        "tags": ", ".join(entry.tags),
        "enabled": entry.enabled,
        "valid_from": _local(entry.valid_from),
        "valid_until": _local(entry.valid_until),
        **_answer_fields(entry),
    }


ANSWER_FIELDS = (
    "answer_kind",
    "answer_text",
    "answer_url",
    "answer_media_id",
    "answer_title",
    "answer_description",
    "answer_picurl",
)


def _answer_fields(row: Any) -> dict[str, str]:
    """A stored answer (entry, rule, welcome) as the answer form's initial values."""
    return {name: getattr(row, name) for name in ANSWER_FIELDS}


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment else None


def _answer(form: EntryForm | Any) -> autoreply_services.Answer:
    data = form.cleaned_data
    return autoreply_services.Answer(
        kind=data["answer_kind"],
        text=data["answer_text"],
        url=data["answer_url"],
        media_id=data["answer_media_id"],
        title=data["answer_title"],
        description=data["answer_description"],
        picurl=data["answer_picurl"],
    )


def _render_entry(
    request: ConsoleRequest,
    *,
    form: EntryForm,
    entry: FaqEntry | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = _context(
        request,
        "entries",
        form=form,
        entry=entry,
        error=error,
        phrasings=[p.text for p in entry.phrasings.order_by("pk")] if entry else [],
    )
    return render(request, "autoreply/entry_form.html", context, status=status)


@workspace_required(Perm.MANAGE_AUTOREPLY)
def entry_new(request: ConsoleRequest) -> HttpResponse:
    if request.method != "POST":
        # The test box links here with the question the bot could not answer.
        question = request.GET.get("question", "")[:QUESTION_MAX_CHARS]
        return _render_entry(
            request, form=EntryForm(initial={"enabled": True, "question": question})
        )
    form = EntryForm(request.POST)
    if not form.is_valid():
        return _render_entry(request, form=form, status=422)
    data = form.cleaned_data
    try:
        entry = autoreply_services.create_entry(
            workspace=request.workspace,
            data=autoreply_services.FaqInput(
                question=data["question"],
                answer=_answer(form),
                phrasings=form.phrasing_list(),
                tags=form.tag_list(),
                enabled=data["enabled"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
            ),
            actor=_actor(request),
        )
    except ServiceError as error:
        return _render_entry(request, form=form, error=error_text(error), status=error.status)
    messages.success(request, _("问答已保存，机器人马上就能用它回答。"))
    return redirect("autoreply:entry", entry.pk)


@workspace_required(Perm.VIEW_DESK)
def entry_detail(request: ConsoleRequest, entry_id: int) -> HttpResponse:
    entry = autoreply_selectors.get_entry(workspace=request.workspace, entry_id=entry_id)
    if request.method != "POST":
        return _render_entry(request, form=EntryForm(initial=_entry_initial(entry)), entry=entry)
    if not can_manage(request):
        raise PermissionDenied()
    form = EntryForm(request.POST)
    if not form.is_valid():
        return _render_entry(request, form=form, entry=entry, status=422)
    data = form.cleaned_data
    unset = frozenset(name for name in ("valid_from", "valid_until") if data[name] is None)
    try:
        autoreply_services.update_entry(
            workspace=request.workspace,
            entry_id=entry.pk,
            changes=autoreply_services.FaqChanges(
                question=data["question"],
                answer=_answer(form),
                phrasings=form.phrasing_list(),
                tags=form.tag_list(),
                enabled=data["enabled"],
                valid_from=data["valid_from"],
                valid_until=data["valid_until"],
                unset=unset,
            ),
            actor=_actor(request),
        )
    except ServiceError as error:
        if error.status == 404:
            raise
        return _render_entry(
            request, form=form, entry=entry, error=error_text(error), status=error.status
        )
    messages.success(request, _("已保存。"))
    return redirect("autoreply:entry", entry.pk)


@require_POST
@workspace_required(Perm.MANAGE_AUTOREPLY)
def entry_toggle(request: ConsoleRequest, entry_id: int) -> HttpResponse:
    """Disable an enabled entry (the gentle alternative to deleting), or enable it again."""
    entry = autoreply_selectors.get_entry(workspace=request.workspace, entry_id=entry_id)
    if entry.enabled:
        autoreply_services.disable_entry(
            workspace=request.workspace, entry_id=entry.pk, actor=_actor(request)
        )
        messages.success(request, _("已停用：机器人不再用这条回答，随时可以重新启用。"))
    else:
        autoreply_services.update_entry(
            workspace=request.workspace,
            entry_id=entry.pk,
            changes=autoreply_services.FaqChanges(enabled=True),
            actor=_actor(request),
        )
        messages.success(request, _("已重新启用。"))
    return redirect("autoreply:entry", entry.pk)


@workspace_required(Perm.MANAGE_AUTOREPLY)
def entry_delete(request: ConsoleRequest, entry_id: int) -> HttpResponse:
    """Asks first (GET), deletes on the confirming POST."""
    entry = autoreply_selectors.get_entry(workspace=request.workspace, entry_id=entry_id)
    if request.method != "POST":
        return render(
            request, "autoreply/entry_delete.html", _context(request, "entries", entry=entry)
        )
    autoreply_services.delete_entry(
        workspace=request.workspace, entry_id=entry.pk, actor=_actor(request)
    )
    messages.success(request, _("问答「%(question)s」已删除。") % {"question": entry.question})
    return redirect("autoreply:entries")


FIELD_TEXT: dict[str, Promise] = {
    "question": gettext_lazy("标准问题"),
    "phrasings": gettext_lazy("其他问法"),
    "tags": gettext_lazy("标签"),
    "enabled": gettext_lazy("启用"),
    "valid_from": gettext_lazy("生效时间"),
    "valid_until": gettext_lazy("失效时间"),
    "answer_kind": gettext_lazy("回复类型"),
    "answer_text": gettext_lazy("回复内容"),
    "answer_url": gettext_lazy("链接"),
    "answer_media_id": gettext_lazy("素材 ID"),
    "answer_title": gettext_lazy("图文标题"),
    "answer_description": gettext_lazy("图文摘要"),
    "answer_picurl": gettext_lazy("图文封面"),
}


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return " | ".join(str(v) for v in value)
    return "" if value is None else str(value)


@workspace_required(Perm.VIEW_DESK)
def entry_history(request: ConsoleRequest, entry_id: int) -> HttpResponse:
    entry = autoreply_selectors.get_entry(workspace=request.workspace, entry_id=entry_id)
    revisions = [
        {
            "revision": r,
            "actor": (r.actor.display_name or r.actor.username) if r.actor else _("系统"),
            "changes": [
                (str(FIELD_TEXT.get(name, name)), _shown(old), _shown(new))
                for name, (old, new) in r.changes.items()
            ]
            if r.action != RevisionAction.CREATED
            else [],
        }
        for r in autoreply_selectors.list_entry_history(
            workspace=request.workspace, entry_id=entry.pk
        )
    ]
    return render(
        request,
        "autoreply/entry_history.html",
        _context(request, "entries", entry=entry, revisions=revisions),
    )


# --- Settings: threshold, welcome, channels, dictionary, synonyms --------------------------------


def _settings_initial(request: ConsoleRequest) -> dict[str, Any]:
    row = autoreply_selectors.get_settings(workspace=request.workspace)
    return {
        "enabled": row.enabled,
        "threshold": row.threshold,
        "channel_kinds": list(row.channel_kinds),
        "repeat_count": row.repeat_count,
        "repeat_window_minutes": row.repeat_window_minutes,
        **_answer_fields(row),
    }


def _render_settings(
    request: ConsoleRequest,
    *,
    form: SettingsForm | None = None,
    dictionary_form: DictionaryForm | None = None,
    synonym_form: SynonymForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    workspace = request.workspace
    row = autoreply_selectors.get_settings(workspace=workspace)
    context = _context(
        request,
        "settings",
        form=form or SettingsForm(initial=_settings_initial(request)),
        dictionary_form=dictionary_form
        or DictionaryForm(
            initial={"words": "\n".join(autoreply_selectors.list_dictionary(workspace=workspace))}
        ),
        synonym_form=synonym_form or SynonymForm(),
        synonym_groups=autoreply_selectors.list_synonym_groups(workspace=workspace),
        threshold=autoreply_selectors.threshold_of(row),
        default_threshold=DEFAULT_THRESHOLD,
        error=error,
    )
    return render(request, "autoreply/settings.html", context, status=status)


@workspace_required(Perm.VIEW_DESK)
def settings_page(request: ConsoleRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_settings(request)
    if not can_manage(request):
        raise PermissionDenied()
    form = SettingsForm(request.POST)
    if not form.is_valid():
        return _render_settings(request, form=form, status=422)
    data = form.cleaned_data
    try:
        autoreply_services.update_settings(
            workspace=request.workspace,
            changes=autoreply_services.SettingsChanges(
                enabled=data["enabled"],
                threshold=data["threshold"],
                reset_threshold=data["threshold"] is None,
                channel_kinds=data["channel_kinds"],
                welcome=_answer(form),
                repeat_count=data["repeat_count"],
                repeat_window_minutes=data["repeat_window_minutes"],
            ),
        )
    except ServiceError as error:
        return _render_settings(request, form=form, error=error_text(error), status=error.status)
    messages.success(request, _("设置已保存。"))
    return redirect("autoreply:settings")


@require_POST
@workspace_required(Perm.MANAGE_AUTOREPLY)
def dictionary(request: ConsoleRequest) -> HttpResponse:
    form = DictionaryForm(request.POST)
    if not form.is_valid():
        return _render_settings(request, dictionary_form=form, status=422)
    try:
        autoreply_services.set_dictionary(workspace=request.workspace, words=form.word_list())
    except ServiceError as error:
        return _render_settings(
            request, dictionary_form=form, error=error_text(error), status=error.status
        )
    messages.success(request, _("词典已保存。"))
    return redirect("autoreply:settings")


@require_POST
@workspace_required(Perm.MANAGE_AUTOREPLY)
def synonym_add(request: ConsoleRequest) -> HttpResponse:
    form = SynonymForm(request.POST)
    if not form.is_valid():
        return _render_settings(request, synonym_form=form, status=422)
    try:
        autoreply_services.create_synonym_group(workspace=request.workspace, words=form.word_list())
    except ServiceError as error:
        return _render_settings(
            request, synonym_form=form, error=error_text(error), status=error.status
        )
    messages.success(request, _("同义词已添加。"))
    return redirect("autoreply:settings")


@require_POST
@workspace_required(Perm.MANAGE_AUTOREPLY)
def synonym_delete(request: ConsoleRequest, group_id: int) -> HttpResponse:
    autoreply_services.delete_synonym_group(workspace=request.workspace, group_id=group_id)
    messages.success(request, _("同义词已删除。"))
    return redirect("autoreply:settings")


# --- Metrics -------------------------------------------------------------------------------------


def _day_bounds(start_day: Any, end_day: Any) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(start_day, time.min, tzinfo=zone)
    end = datetime.combine(end_day + timedelta(days=1), time.min, tzinfo=zone)
    return start, end


# --- Keyword rules -------------------------------------------------------------------------------


def _render_rules(
    request: ConsoleRequest,
    *,
    form: RuleForm | None = None,
    rule: KeywordRule | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = _context(
        request,
        "rules",
        rules=autoreply_selectors.list_rules(workspace=request.workspace),
        form=form or RuleForm(initial={"enabled": True, "priority": 0}),
        rule=rule,
        error=error,
    )
    return render(request, "autoreply/rules.html", context, status=status)


def _rule_input(form: RuleForm) -> autoreply_services.RuleInput:
    data = form.cleaned_data
    return autoreply_services.RuleInput(
        name=data["name"],
        match_type=data["match_type"],
        pattern=data["pattern"],
        answer=_answer(form),
        priority=data["priority"],
        enabled=data["enabled"],
    )


@workspace_required(Perm.VIEW_DESK)
def rule_list(request: ConsoleRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_rules(request)
    if not can_manage(request):
        raise PermissionDenied()
    form = RuleForm(request.POST)
    if not form.is_valid():
        return _render_rules(request, form=form, status=422)
    try:
        autoreply_services.create_rule(workspace=request.workspace, data=_rule_input(form))
    except ServiceError as error:
        return _render_rules(request, form=form, error=error_text(error), status=error.status)
    messages.success(request, _("规则已保存。"))
    return redirect("autoreply:rules")


@workspace_required(Perm.MANAGE_AUTOREPLY)
def rule_edit(request: ConsoleRequest, rule_id: int) -> HttpResponse:
    rule = autoreply_selectors.get_rule(workspace=request.workspace, rule_id=rule_id)
    if request.method != "POST":
        initial = {
            "name": rule.name,
            "match_type": rule.match_type,
            "pattern": rule.pattern,
            "priority": rule.priority,
            "enabled": rule.enabled,
            **_answer_fields(rule),
        }
        return _render_rules(request, form=RuleForm(initial=initial), rule=rule)
    form = RuleForm(request.POST)
    if not form.is_valid():
        return _render_rules(request, form=form, rule=rule, status=422)
    try:
        autoreply_services.update_rule(
            workspace=request.workspace, rule_id=rule.pk, data=_rule_input(form)
        )
    except ServiceError as error:
        if error.status == 404:
            raise
        return _render_rules(
            request, form=form, rule=rule, error=error_text(error), status=error.status
        )
    messages.success(request, _("规则已保存。"))
    return redirect("autoreply:rules")


@require_POST
@workspace_required(Perm.MANAGE_AUTOREPLY)
def rule_delete(request: ConsoleRequest, rule_id: int) -> HttpResponse:
    autoreply_services.delete_rule(workspace=request.workspace, rule_id=rule_id)
    messages.success(request, _("规则已删除。"))
    return redirect("autoreply:rules")


# --- Test box ------------------------------------------------------------------------------------


def _is_htmx(request: ConsoleRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _percent(value: float | None) -> int:
    return round((value or 0.0) * 100)


def _preview_context(request: ConsoleRequest, question: str) -> dict[str, Any]:
    """What the bot would do with ``question``: the decision, the answer and the candidates."""
    preview = autoreply_services.preview_answer(workspace=request.workspace, question=question)
    questions = {str(c["faq_id"]): c["question"] for c in preview.candidates}
    rule_name = ""
    if preview.rule_id is not None:
        rule_name = autoreply_selectors.get_rule(
            workspace=request.workspace, rule_id=preview.rule_id
        ).name
    answer = preview.answer
    return {
        "query": " ".join(question.split()),
        "outcome": preview.outcome,
        "reason": preview.reason,
        "reason_text": reason_text(preview.reason),
        "confidence": preview.confidence,
        "confidence_percent": _percent(
            preview.confidence
            if preview.confidence is not None
            else max((c["confidence"] for c in preview.candidates), default=0.0)
        ),
        "threshold": preview.threshold,
        "threshold_percent": _percent(preview.threshold),
        "entry_question": questions.get(str(preview.entry_id), ""),
        "rule_name": rule_name,
        "answer": {
            "text": answer.text,
            "url": answer.payload.get("url", ""),
            "title": answer.payload.get("title", ""),
            "description": answer.payload.get("description", ""),
        }
        if answer
        else None,
        "answer_kind_label": str(AnswerKind(answer.kind).label) if answer else "",
        "candidates": [
            {
                "entry_id": int(c["faq_id"]),
                "question": c["question"],
                "matched": c.get("matched", ""),
                "confidence": c["confidence"],
                "why": why_rows(c.get("why", {})),
            }
            for c in preview.candidates
        ],
    }


def _render_test(
    request: ConsoleRequest,
    *,
    form: TestForm,
    result: dict[str, Any] | None = None,
    error: str = "",
    confirmed: str = "",
    status: int = 200,
) -> HttpResponse:
    context = _context(request, "test", form=form, result=result, error=error, confirmed=confirmed)
    template = "autoreply/_test_result.html" if _is_htmx(request) else "autoreply/test.html"
    return render(request, template, context, status=status)


@workspace_required(Perm.VIEW_DESK)
def test_box(request: ConsoleRequest) -> HttpResponse:
    """Ask a question, see what the bot would do (nothing is stored or sent)."""
    if request.method != "POST":
        return _render_test(request, form=TestForm())
    form = TestForm(request.POST)
    if not form.is_valid():
        return _render_test(
            request, form=form, error=str(ERROR_TEXT[AutoReplyError.QUERY_INVALID]), status=422
        )
    try:
        result = _preview_context(request, form.cleaned_data["question"])
    except ServiceError as error:
        return _render_test(request, form=form, error=error_text(error), status=error.status)
    return _render_test(request, form=form, result=result)


@require_POST
@workspace_required(Perm.VIEW_DESK)
def test_confirm(request: ConsoleRequest) -> HttpResponse:
    """ "This candidate is the right answer": the matcher learns it at its next rebuild."""
    if not can_train(request):
        raise PermissionDenied()
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        return _render_test(
            request,
            form=TestForm(),
            error=str(ERROR_TEXT[AutoReplyError.QUERY_INVALID]),
            status=422,
        )
    query, entry_id = form.cleaned_data["query"], form.cleaned_data["faq_id"]
    entry = autoreply_selectors.get_entry(workspace=request.workspace, entry_id=entry_id)
    try:
        autoreply_services.record_feedback(
            workspace=request.workspace, query=query, entry_id=entry.pk, actor=_actor(request)
        )
        result = _preview_context(request, query)
    except ServiceError as error:
        if error.status == 404:
            raise
        return _render_test(request, form=TestForm(), error=error_text(error), status=error.status)
    return _render_test(
        request, form=TestForm(initial={"question": query}), result=result, confirmed=entry.question
    )


# --- Metrics and unanswered groups ---------------------------------------------------------------


@workspace_required(Perm.VIEW_DESK)
def metrics(request: ConsoleRequest) -> HttpResponse:
    form = MetricsRangeForm(request.GET)
    start_day, end_day = form.range()
    start, end = _day_bounds(start_day, end_day)
    workspace = request.workspace
    m = autoreply_selectors.get_metrics(workspace=workspace, start=start, end=end)
    daily = autoreply_selectors.list_daily_outcomes(workspace=workspace, start=start, end=end)
    context = _context(
        request,
        "metrics",
        form=form,
        start=start_day,
        end=end_day,
        m=m,
        answered_percent=_percent(m.answered_share),
        reasons=[(reason_text(reason), n) for reason, n in m.hand_offs_by_reason.items()],
        helpful_window=autoreply_selectors.get_settings(workspace=workspace).helpful_window_minutes,
        daily=daily,
        chart={
            "labels": [d.day.strftime("%m-%d") for d in daily],
            "series": [
                {"name": _("直接回答"), "values": [d.answered for d in daily]},
                {"name": _("转人工"), "values": [d.handed_off for d in daily]},
            ],
        },
        groups=autoreply_selectors.list_unanswered_groups(workspace=workspace),
    )
    return render(request, "autoreply/metrics.html", context)


@require_POST
@workspace_required(Perm.MANAGE_AUTOREPLY)
def group_accept(request: ConsoleRequest, group_id: int) -> HttpResponse:
    """One click: the group's suggested question and examples become a new (disabled until an
    answer is written) entry, opened for its answer."""
    try:
        entry = autoreply_services.accept_group(
            workspace=request.workspace, group_id=group_id, actor=_actor(request)
        )
    except ServiceError as error:
        if error.status == 404:
            raise
        messages.error(request, error_text(error))
        return redirect("autoreply:metrics")
    messages.success(request, _("已新建问答，请写好回复并启用。"))
    return redirect("autoreply:entry", entry.pk)


@require_POST
@workspace_required(Perm.MANAGE_AUTOREPLY)
def group_dismiss(request: ConsoleRequest, group_id: int) -> HttpResponse:
    try:
        autoreply_services.dismiss_group(
            workspace=request.workspace, group_id=group_id, actor=_actor(request)
        )
    except ServiceError as error:
        if error.status == 404:
            raise
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("已忽略这组问题。"))
    return redirect("autoreply:metrics")


# --- The desk ticket's suggestion panel ----------------------------------------------------------


def _render_suggestions(
    request: ConsoleRequest, ticket_id: int, *, used: str = "", error: str = "", status: int = 200
) -> HttpResponse:
    hand_off = autoreply_selectors.get_hand_off(workspace=request.workspace, ticket_id=ticket_id)
    context = {
        "ticket_id": ticket_id,
        "hand_off": hand_off,
        "reason_text": reason_text(hand_off.reason) if hand_off else "",
        "suggestions": [
            {
                "entry_id": s.entry_id,
                "question": s.question,
                "confidence": s.confidence,
                "why": why_rows(s.why, limit=3),
            }
            for s in (hand_off.suggestions if hand_off else [])
        ],
        "can_use": has_perm(request, Perm.HANDLE_CONVERSATIONS),
        "used": used,
        "error": error,
    }
    return render(request, "autoreply/_suggestions.html", context, status=status)


@workspace_required(Perm.VIEW_DESK)
def ticket_suggestions(request: ConsoleRequest, ticket_id: int) -> HttpResponse:
    """The bot's hand-off of a ticket: why, and its best guesses with their confidence."""
    desk_selectors.get_ticket(workspace=request.workspace, ticket_id=ticket_id)  # 404 if not ours
    return _render_suggestions(request, ticket_id)


@require_POST
@workspace_required(Perm.HANDLE_CONVERSATIONS)
def ticket_use_suggestion(request: ConsoleRequest, ticket_id: int) -> HttpResponse:
    """ "Use this answer": the entry's answer goes to the customer as the agent's reply, and the
    matcher learns that the customer's question belongs to that entry."""
    ticket = desk_selectors.get_ticket(workspace=request.workspace, ticket_id=ticket_id)
    form = ConfirmEntryForm(request.POST)
    if not form.is_valid():
        return _render_suggestions(request, ticket.pk, error=_("请选择一条建议。"), status=422)
    try:
        autoreply_services.confirm_suggestion(
            workspace=request.workspace,
            ticket_id=ticket.pk,
            entry_id=form.cleaned_data["faq_id"],
            actor=_actor(request),
        )
    except ServiceError as error:
        if error.status == 404:
            raise
        return _render_suggestions(
            request, ticket.pk, error=desk_error_text(error), status=error.status
        )
    if not _is_htmx(request):
        messages.success(request, _("已用这条回答回复客户，机器人也记住了。"))
        return redirect("desk:ticket", ticket.pk)
    return _render_suggestions(request, ticket.pk, used=_("已用这条回答回复客户，机器人也记住了。"))


def desk_error_text(error: ServiceError) -> str:
    """A refusal from the desk's reply (a closed ticket…) in the desk's own words."""
    if error.code in ERROR_TEXT:
        return error_text(error)
    return desk_common.error_text(error)


# --- Import and export ---------------------------------------------------------------------------


def _import_problems(error: ServiceError) -> list[str]:
    """Each problem of a refused file as a line a person can act on: line, column, what."""
    lines = [
        _("第 %(line)s 行，%(field)s 列：%(message)s")
        % {
            "line": problem.get("line", "?"),
            "field": problem.get("field", "?"),
            "message": problem.get("message", ""),
        }
        for problem in error.details.get("problems", [])
    ]
    return lines or [error_text(error)]


@workspace_required(Perm.MANAGE_AUTOREPLY)
def entry_import(request: ConsoleRequest) -> HttpResponse:
    """Upload a CSV or .xlsx: all of it is stored, or (on any error) nothing, with every problem
    named by line and column."""
    if request.method != "POST":
        return render(
            request, "autoreply/import.html", _context(request, "entries", form=ImportForm())
        )
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        context = _context(request, "entries", form=form)
        return render(request, "autoreply/import.html", context, status=422)
    upload = form.cleaned_data["file"]
    try:
        result = autoreply_services.import_entries(
            workspace=request.workspace,
            filename=upload.name,
            content=upload.read(),
            actor=_actor(request),
        )
    except ServiceError as error:
        context = _context(request, "entries", form=form, problems=_import_problems(error))
        return render(request, "autoreply/import.html", context, status=error.status)
    messages.success(
        request,
        _("导入完成：新建 %(created)s 条，更新 %(updated)s 条。")
        % {"created": result.created, "updated": result.updated},
    )
    return redirect("autoreply:entries")


@workspace_required(Perm.MANAGE_AUTOREPLY)
def entry_export(request: ConsoleRequest) -> HttpResponse:
    """Every entry as CSV (UTF-8 with a BOM, so Excel opens it) or .xlsx; the same columns the
    import reads, so an export edited in Excel imports back."""
    kind = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    content = autoreply_services.export_entries(workspace=request.workspace, format=kind)
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if kind == "xlsx"
        else "text/csv; charset=utf-8"
    )
    response = HttpResponse(content, content_type=content_type)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="faq-{stamp}.{kind}"'
    return response
