"""Console forms of the SLA pages: they parse what people type; the services decide what is
allowed. ``error_text`` turns a refusal into a sentence in the reader's language."""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from xiaonuo.channels.models import Channel
from xiaonuo.desk.models import TicketPriority
from xiaonuo.desk.sla.exceptions import SlaError
from xiaonuo.desk.sla.models import NAME_MAX_CHARS, BusinessCalendar, SlaClock
from xiaonuo.desk.sla.services import PolicyInput
from xiaonuo.lib import workcalendar as wc
from xiaonuo.lib import workcalendar_cn
from xiaonuo.lib.errors import ServiceError

WEEKDAY_LABELS = {
    "mon": gettext_lazy("周一"),
    "tue": gettext_lazy("周二"),
    "wed": gettext_lazy("周三"),
    "thu": gettext_lazy("周四"),
    "fri": gettext_lazy("周五"),
    "sat": gettext_lazy("周六"),
    "sun": gettext_lazy("周日"),
}
# Periods are typed "09:00-12:00 13:30-18:00": separated by spaces, commas or semicolons
# (ASCII or full-width, as Chinese input methods type them).
_SEPARATORS = re.compile(r"[\s,，;；、]+")


def split_periods(text: str) -> list[str]:
    return [p for p in _SEPARATORS.split(text or "") if p]


class _Styled(forms.Form):
    """Bootstrap classes on every widget, so templates can render ``{{ field }}`` as is."""

    def style(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = css

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"


class CalendarCreateForm(_Styled):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    name = forms.CharField(label=gettext_lazy("名称"), max_length=NAME_MAX_CHARS)
    preset = forms.ChoiceField(
        label=gettext_lazy("起始模板"),
        choices=[
            (
                "office",
                gettext_lazy("周一至周五 09:00-12:00、13:30-18:00，含 2025 年法定节假日与调休"),
            ),
            ("always_open", gettext_lazy("7×24 小时")),
            ("empty", gettext_lazy("空白（逐日填写）")),
        ],
    )


class CalendarHoursForm(_Styled):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=NAME_MAX_CHARS)
    timezone = forms.CharField(label=gettext_lazy("时区"), max_length=64)
    makeup_hours_of = forms.ChoiceField(
        label=gettext_lazy("调休上班日按哪天的时间上班"),
        choices=list(WEEKDAY_LABELS.items()),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, label in WEEKDAY_LABELS.items():
            self.fields[day] = forms.CharField(
                label=label,
                required=False,
                max_length=200,
                help_text=gettext_lazy("例如 09:00-12:00 13:30-18:00；跨零点写 22:00-02:00"),
            )
        self.style()

    @classmethod
    def for_calendar(cls, row: BusinessCalendar) -> "CalendarHoursForm":
        definition = row.definition
        initial = {
            "name": row.name,
            "timezone": definition.get("timezone", wc.DEFAULT_TIMEZONE),
            "makeup_hours_of": definition.get("makeup_hours_of", "mon"),
        }
        for day in WEEKDAY_LABELS:
            initial[day] = " ".join(definition.get("week", {}).get(day, []))
        return cls(initial=initial)

    def week(self) -> dict[str, list[str]]:
        return {day: split_periods(self.cleaned_data[day]) for day in WEEKDAY_LABELS}


class ScheduleImportForm(_Styled):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    text = forms.CharField(
        label=gettext_lazy("节假日安排"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=20000,
    )
    replace_years = forms.BooleanField(
        label=gettext_lazy("先清空这些年份原有的节假日与调休"), required=False, initial=True
    )


class PolicyForm(_Styled):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=NAME_MAX_CHARS)
    priority = forms.TypedChoiceField(
        label=gettext_lazy("优先级"), coerce=int, empty_value=None, required=False
    )
    channel = forms.TypedChoiceField(
        label=gettext_lazy("渠道"), coerce=int, empty_value=None, required=False
    )
    first_response_minutes = forms.IntegerField(
        label=gettext_lazy("首次响应目标（分钟）"), required=False, min_value=1
    )
    resolution_minutes = forms.IntegerField(
        label=gettext_lazy("解决目标（分钟）"), required=False, min_value=1
    )
    clock = forms.ChoiceField(label=gettext_lazy("计时方式"), choices=SlaClock.choices)
    calendar = forms.TypedChoiceField(
        label=gettext_lazy("工作时间表"), coerce=int, empty_value=None, required=False
    )
    pause_on_pending = forms.BooleanField(
        label=gettext_lazy("待客户回复时暂停解决计时"), required=False
    )
    pause_on_hold = forms.BooleanField(label=gettext_lazy("挂起时暂停解决计时"), required=False)
    warn_percent = forms.IntegerField(
        label=gettext_lazy("目标时间过去百分之几时预警"), required=False, min_value=1, max_value=99
    )
    warn_minutes_before = forms.IntegerField(
        label=gettext_lazy("到期前几分钟预警"), required=False, min_value=1
    )

    def __init__(
        self,
        *args: Any,
        channels: list[Channel],
        calendars: list[BusinessCalendar],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        any_label = _("任意")
        self.fields["priority"].choices = [("", any_label), *TicketPriority.choices]  # type: ignore[attr-defined]
        self.fields["channel"].choices = [("", any_label)] + [  # type: ignore[attr-defined]
            (c.pk, c.name) for c in channels
        ]
        self.fields["calendar"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (c.pk, c.name) for c in calendars
        ]
        self.style()

    def policy_input(self) -> PolicyInput:
        data = self.cleaned_data
        return PolicyInput(
            name=data["name"],
            priority=data["priority"],
            channel_id=data["channel"],
            first_response_minutes=data["first_response_minutes"],
            resolution_minutes=data["resolution_minutes"],
            clock=data["clock"],
            calendar_id=data["calendar"],
            pause_on_pending=data["pause_on_pending"],
            pause_on_hold=data["pause_on_hold"],
            warn_percent=data["warn_percent"],
            warn_minutes_before=data["warn_minutes_before"],
        )


def error_text(error: ServiceError) -> str:  # noqa: C901, PLR0911 - one line per code
    """A refusal of the SLA services or of the calendar library, in the reader's language."""
    d: dict[str, Any] = {k: v for k, v in error.details.items() if v is not None}
    code = error.code
    if code == wc.INVALID_SCHEDULE or (code == wc.DUPLICATE_DATE and "line" in d):
        return _schedule_line_text(error, d)
    if code == wc.INVALID_PERIOD:
        return _("%(where)s：“%(value)s”不是有效的时段，请写成 09:00-18:00 这样的格式") % {
            "where": _where(d.get("where", "")),
            "value": d.get("value", ""),
        }
    if code == wc.EMPTY_PERIOD:
        return _("%(where)s：“%(value)s”开始和结束相同；全天请写 00:00-24:00") % {
            "where": _where(d.get("where", "")),
            "value": d.get("value", ""),
        }
    if code == wc.OVERLAPPING_PERIODS:
        return _("%(where)s：时段互相重叠（跨零点的班次也不能压到第二天的时段上）") % {
            "where": _where(d.get("where", ""))
        }
    if code == wc.UNKNOWN_TIMEZONE:
        return _("未知时区“%(value)s”，请填写如 Asia/Shanghai 的 IANA 时区名") % {
            "value": d.get("value", "")
        }
    if code == workcalendar_cn.NO_OFFICIAL_SCHEDULE:
        return _("小诺没有内置 %(year)s 年的官方节假日安排，请按格式粘贴通知内容") % {
            "year": d.get("year", "")
        }
    messages = {
        SlaError.NAME_INVALID: _("名称需要 1 到 %(n)s 个字符") % {"n": NAME_MAX_CHARS},
        SlaError.CALENDAR_NAME_TAKEN: _("已有同名的工作时间表"),
        SlaError.CALENDAR_IN_USE: _("还有 SLA 策略在使用这个工作时间表，请先修改这些策略"),
        SlaError.CALENDAR_PRESET_UNKNOWN: _("未知的起始模板"),
        SlaError.POLICY_SCOPE_TAKEN: _("已有策略适用于同样的优先级和渠道组合"),
        SlaError.POLICY_NO_TARGET: _("请至少设置首次响应目标或解决目标之一"),
        SlaError.POLICY_TARGET_INVALID: _("目标时间需在 1 分钟到 365 天之间"),
        SlaError.POLICY_CALENDAR_REQUIRED: _("按工作时间计时需要选择一个工作时间表"),
        SlaError.POLICY_WARNING_INVALID: _("预警比例为 1 到 99，提前预警分钟数至少为 1"),
        SlaError.PRIORITY_INVALID: _("未知的优先级"),
        SlaError.CHANNEL_INVALID: _("未知的渠道"),
        SlaError.REPORT_INVALID: _("日期需从早到晚，且跨度不超过两年"),
        SlaError.CALENDAR_NOT_FOUND: _("找不到这个工作时间表"),
    }
    text = messages.get(code)  # type: ignore[call-overload]
    if text is not None:
        return str(text)
    return _("工作时间表无效（%(code)s）") % {"code": code}


def form_field_of(error: ServiceError, form: forms.Form) -> str | None:
    field = str(error.details.get("field", ""))
    if field in form.fields:
        return field
    return None


def _where(where: str) -> str:
    """``week.mon[1]`` → 周一, ``mon-tue`` → 周一—周二; dates stay as they are."""
    names = [
        str(WEEKDAY_LABELS[w]) for w in re.findall(r"\b(mon|tue|wed|thu|fri|sat|sun)\b", where)
    ]
    if names:
        return "—".join(names)
    return where


_LINE_PROBLEMS = {
    "line": gettext_lazy("每行应为：日期,类型[,名称[,按星期几上班]]"),
    "date": gettext_lazy("应为存在的日期 YYYY-MM-DD，或“起~止”的范围（向后，最多 31 天）"),
    "kind": gettext_lazy("类型应为 holiday / 休 / 放假，或 workday / 班 / 上班"),
    "name": gettext_lazy("名称不超过 100 个字符"),
    "hours_of": gettext_lazy("应为星期几（mon…sun 或 周一…周日）；放假的日子不能指定"),
}


def _schedule_line_text(error: ServiceError, d: dict[str, Any]) -> str:
    if error.code == wc.DUPLICATE_DATE:
        problem = _("这一天在前面已经出现过")
    else:
        problem = str(_LINE_PROBLEMS.get(str(d.get("field")), error.message))
    return _("第 %(line)s 行，“%(value)s”：%(problem)s") % {
        "line": d.get("line", "?"),
        "value": d.get("value", ""),
        "problem": problem,
    }
