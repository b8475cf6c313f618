"""The desk console's forms: they parse and bound input; the services check the rules."""

from datetime import UTC, datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaonuo.desk.models import (
    MAX_MESSAGE_CHARS,
    AssignmentMode,
    CompensationKind,
    ComplaintCategory,
    ComplaintSeverity,
    TicketPriority,
    TicketStatus,
)
from xiaonuo.desk.selectors import ACTIVE_STATUSES, InboxCursor

VIEW_CHOICES = [("all", _("全部")), ("mine", _("我的")), ("unassigned", _("未分配"))]
# "" = the statuses that still need attention; "any" = every status.
STATUS_CHOICES = [("", _("待处理中")), *TicketStatus.choices, ("any", _("全部状态"))]
# A form field may be a little longer than a message, so that the service (not the form) says
# "too long" with its stable code and the draft is kept on the page.
TEXT_FIELD_MAX = MAX_MESSAGE_CHARS * 2


def _split_words(raw: str) -> list[str]:
    return [w.strip() for w in raw.replace("，", ",").split(",") if w.strip()]


class InboxFilterForm(forms.Form):
    """The inbox's filters and keyset position, read from the query string."""

    view = forms.ChoiceField(label=_("范围"), required=False, choices=VIEW_CHOICES)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=STATUS_CHOICES)
    channel = forms.IntegerField(label=_("渠道"), required=False, min_value=1)
    tag = forms.CharField(label=_("标签"), required=False, max_length=50)
    priority = forms.TypedChoiceField(
        label=_("优先级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部")), *TicketPriority.choices],
    )
    q = forms.CharField(label=_("搜索消息"), required=False, max_length=200)
    # "<microseconds since the epoch>.<ticket id>" of the last row of the previous page.
    after = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)

    def statuses(self) -> list[str]:
        status = self.cleaned_data.get("status") or ""
        if status == "any":
            return []
        return [status] if status else list(ACTIVE_STATUSES)

    def cursor(self) -> InboxCursor | None:
        return decode_cursor(self.cleaned_data.get("after") or "")


def encode_cursor(cursor: InboxCursor | None) -> str:
    if cursor is None:
        return ""
    return f"{micros(cursor.last_activity_at)}.{cursor.id}"


def decode_cursor(raw: str) -> InboxCursor | None:
    """A malformed cursor is ignored (the first page), never an error page."""
    at, _, pk = raw.partition(".")
    if not (at.isdigit() and pk.isdigit()):
        return None
    try:
        when = datetime.fromtimestamp(int(at) / 1_000_000, tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return InboxCursor(last_activity_at=when, id=int(pk))


def micros(when: datetime | None) -> int:
    """A timestamp as whole microseconds since the epoch: exact, unlike a float."""
    if when is None:
        return 0
    delta = when - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class ReplyForm(forms.Form):
    text = forms.CharField(label=_("回复"), required=False, max_length=TEXT_FIELD_MAX)
    status = forms.ChoiceField(
        label=_("回复后状态"),
        required=False,
        choices=[("", _("默认（待客户回复）")), *TicketStatus.choices[:4]],
    )
    send_anyway = forms.BooleanField(required=False)
    # send (default) | use_gentler | insert_canned
    action = forms.CharField(required=False, max_length=20)
    canned = forms.IntegerField(label=_("快捷回复"), required=False, min_value=1)
    order_number = forms.CharField(label=_("订单号"), required=False, max_length=100)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("内部备注"), required=False, max_length=TEXT_FIELD_MAX)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), choices=TicketStatus.choices)


class PropertiesForm(forms.Form):
    subject = forms.CharField(label=_("主题"), required=False, max_length=1000)
    priority = forms.TypedChoiceField(label=_("优先级"), coerce=int, choices=TicketPriority.choices)
    tags = forms.CharField(
        label=_("标签"), required=False, max_length=2000, help_text=_("多个标签用逗号分隔")
    )

    def tag_names(self) -> list[str]:
        return _split_words(self.cleaned_data.get("tags") or "")


class AssignForm(forms.Form):
    # "" = unassign
    assignee = forms.TypedChoiceField(
        label=_("处理人"), coerce=int, empty_value=None, required=False, choices=()
    )

    def __init__(self, *args: object, agent_ids: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["assignee"].choices = [("", ""), *[(pk, pk) for pk in agent_ids]]  # type: ignore[attr-defined]


class TeamChoiceForm(forms.Form):
    team = forms.IntegerField(label=_("团队"), required=False, min_value=1)


class MergeForm(forms.Form):
    merged = forms.IntegerField(label=_("要并入的工单号"), min_value=1)


class ComplaintOpenForm(forms.Form):
    severity = forms.TypedChoiceField(
        label=_("严重程度"), coerce=int, choices=ComplaintSeverity.choices
    )
    category = forms.ChoiceField(label=_("类别"), choices=ComplaintCategory.choices)
    description = forms.CharField(label=_("描述"), required=False, max_length=TEXT_FIELD_MAX)


class ClassifyForm(forms.Form):
    severity = forms.TypedChoiceField(
        label=_("严重程度"), coerce=int, choices=ComplaintSeverity.choices
    )
    category = forms.ChoiceField(label=_("类别"), choices=ComplaintCategory.choices)


class CompensationForm(forms.Form):
    kind = forms.ChoiceField(label=_("补偿方式"), choices=CompensationKind.choices[1:])
    amount = forms.DecimalField(
        label=_("金额（元）"), max_digits=12, decimal_places=2, required=False
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])


class EscalateForm(forms.Form):
    to_user = forms.IntegerField(label=_("升级给"), min_value=1)
    reason = forms.CharField(label=_("升级原因"), required=False, max_length=TEXT_FIELD_MAX)


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("处理结果"), required=False, max_length=TEXT_FIELD_MAX)


TRI_STATE = [("", _("未知")), ("yes", _("是")), ("no", _("否"))]


class RecoveryForm(forms.Form):
    satisfied_afterwards = forms.ChoiceField(label=_("事后满意"), required=False, choices=TRI_STATE)
    bought_again = forms.ChoiceField(label=_("再次购买"), required=False, choices=TRI_STATE)
    referred_someone = forms.ChoiceField(label=_("推荐他人"), required=False, choices=TRI_STATE)

    def answer(self, name: str) -> bool | None:
        return {"yes": True, "no": False}.get(self.cleaned_data.get(name) or "")


class PresenceForm(forms.Form):
    status = forms.ChoiceField(choices=[("online", "online"), ("away", "away")])
    next = forms.CharField(required=False, max_length=2000)


class DeskSettingsForm(forms.Form):
    assignment_mode = forms.ChoiceField(label=_("分配方式"), choices=AssignmentMode.choices)
    default_capacity = forms.IntegerField(label=_("默认接待上限"), min_value=0, max_value=100)
    close_solved_after_days = forms.IntegerField(
        label=_("自动关闭天数"), min_value=1, max_value=365
    )


class CapacityForm(forms.Form):
    user_id = forms.IntegerField(min_value=1)
    # Empty: the workspace's default.
    capacity = forms.IntegerField(label=_("接待上限"), required=False, min_value=0, max_value=100)


class CannedReplyForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("内容"), max_length=TEXT_FIELD_MAX, widget=forms.Textarea)


class ToneWordsForm(forms.Form):
    """One entry per line; an entry may carry its own gentler wording: 保证明天到=>预计明天送达."""

    rude = forms.CharField(label=_("粗鲁或敷衍的说法"), required=False, widget=forms.Textarea)
    forbidden_promises = forms.CharField(
        label=_("公司不允许的承诺"), required=False, widget=forms.Textarea
    )
    sensitive = forms.CharField(label=_("敏感词"), required=False, widget=forms.Textarea)
    allowed = forms.CharField(
        label=_("不提示的说法（例外）"), required=False, widget=forms.Textarea
    )

    def lists(self) -> dict[str, list[str]]:
        return {
            name: [line.strip() for line in (self.cleaned_data.get(name) or "").splitlines()]
            for name in ("rude", "forbidden_promises", "sensitive", "allowed")
        }


class TeamForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=200)
    members = forms.TypedMultipleChoiceField(
        label=_("成员"), coerce=int, required=False, choices=()
    )

    def __init__(self, *args: object, agent_ids: list[int], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["members"].choices = [(pk, pk) for pk in agent_ids]  # type: ignore[attr-defined]
