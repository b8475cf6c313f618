"""The report options as the console's GET forms (validated here, handed to the selectors)."""

from typing import Any

import orjson
from django import forms
from django.utils.translation import gettext_lazy as _

from xiaonuo.analytics.lifecycle_stage import RULE_FIELDS, check_rules
from xiaonuo.analytics.models import LifecycleRules
from xiaonuo.analytics.reports.common import Period
from xiaonuo.analytics.reports.costs import SpendLine
from xiaonuo.analytics.segments import parse_definition
from xiaonuo.analytics.selectors import MAX_FUNNEL_STEPS, Breakdown
from xiaonuo.lib.errors import ServiceError

PERIODS = [
    (Period.DAY.value, _("按天")),
    (Period.WEEK.value, _("按周")),
    (Period.MONTH.value, _("按月")),
]


def _event(label: Any) -> forms.CharField:
    return forms.CharField(label=label, required=False, max_length=200)


class RetentionForm(forms.Form):
    period = forms.ChoiceField(label=_("周期"), choices=PERIODS, initial="week", required=False)
    cohort_event = _event(_("分组事件（首次）"))
    return_event = _event(_("回访事件"))
    breakdown = forms.ChoiceField(
        label=_("细分"),
        required=False,
        choices=[
            (Breakdown.NONE.value, _("不细分")),
            (Breakdown.PROPERTY.value, _("按首个事件的属性")),
            (Breakdown.SEED.value, _("种子用户")),
            (Breakdown.COMPLAINT.value, _("投诉结果")),
            (Breakdown.CSAT.value, _("满意度评分")),
        ],
    )
    property = forms.CharField(label=_("属性名"), required=False, max_length=64)


class LifecycleForm(forms.Form):
    period = forms.ChoiceField(label=_("周期"), choices=PERIODS, initial="week", required=False)
    days = forms.IntegerField(label=_("活跃度天数"), min_value=1, max_value=3660, required=False)


class FunnelForm(forms.Form):
    steps = forms.CharField(
        label=_("步骤（每行一个事件）"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    window_days = forms.FloatField(
        label=_("转化窗口（天）"), min_value=0.01, max_value=365, required=False
    )
    since = forms.DateField(label=_("起始日期"), required=False)

    def clean_steps(self) -> list[str]:
        text = self.cleaned_data["steps"].replace(",", "\n").replace("，", "\n")
        steps = [s.strip() for s in text.splitlines() if s.strip()]
        if not 2 <= len(steps) <= MAX_FUNNEL_STEPS:
            raise forms.ValidationError(_("漏斗需要 2 到 8 个步骤"))
        return steps


class RfmForm(forms.Form):
    event = _event(_("购买事件"))
    amount_property = forms.CharField(label=_("金额属性"), required=False, max_length=64)
    compare_days = forms.IntegerField(
        label=_("对比天数"), min_value=1, max_value=365, required=False
    )


class ChurnForm(forms.Form):
    horizon_days = forms.IntegerField(
        label=_("流失窗口（天）"), min_value=7, max_value=180, required=False
    )
    amount_property = forms.CharField(label=_("金额属性"), required=False, max_length=64)


class ClvForm(forms.Form):
    event = _event(_("购买事件"))
    amount_property = forms.CharField(label=_("金额属性"), required=False, max_length=64)
    months = forms.IntegerField(label=_("统计月数"), min_value=1, max_value=36, required=False)
    margin = forms.FloatField(label=_("毛利率"), min_value=0.01, max_value=1, required=False)


class CostsForm(forms.Form):
    since = forms.DateField(label=_("开始日期"))
    until = forms.DateField(label=_("结束日期"))
    channel_property = forms.CharField(label=_("渠道属性"), required=False, max_length=64)
    acquisition = forms.CharField(
        label=_("获客投入（每行：渠道,金额[,新客数]）"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )
    retention = forms.CharField(
        label=_("留存投入（每行：动作,金额,留住人数）"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lines: list[SpendLine] = []
        for kind in ("acquisition", "retention"):
            for number, text in enumerate((data.get(kind) or "").splitlines(), start=1):
                if text.strip():
                    lines.append(self._line(kind, number, text))
        data["lines"] = lines
        return data

    def _line(self, kind: str, number: int, text: str) -> SpendLine:
        parts = [p.strip() for p in text.replace("，", ",").split(",")]
        try:
            spend = float(parts[1])
            customers = int(parts[2]) if len(parts) > 2 and parts[2] else None
            if not parts[0] or spend < 0 or (customers is not None and customers < 0):
                raise ValueError
        except (IndexError, ValueError):
            raise forms.ValidationError(
                _("第 %(n)s 行格式不对：%(line)s"), params={"n": number, "line": text[:50]}
            ) from None
        if kind == "retention" and customers is None:
            raise forms.ValidationError(
                _("留存投入的第 %(n)s 行需要留住人数"), params={"n": number}
            )
        return SpendLine(kind=kind, name=parts[0][:100], spend=spend, customers=customers)


class SegmentForm(forms.Form):
    """A segment as the console edits it; the definition is the JSON the rule builder writes
    (and a person may edit by hand), checked by the same schema as the API's."""

    name = forms.CharField(label=_("名称"), max_length=100)
    description = forms.CharField(label=_("说明"), max_length=500, required=False)
    definition = forms.CharField(
        label=_("规则（JSON）"), widget=forms.Textarea(attrs={"rows": 10}), max_length=20_000
    )

    def clean_definition(self) -> dict[str, Any]:
        return definition_from_text(self.cleaned_data["definition"])


def definition_from_text(text: str) -> dict[str, Any]:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise forms.ValidationError(_("规则不是有效的 JSON"), code="segment_invalid") from None
    try:
        return parse_definition(data).model_dump(mode="json", exclude_none=True)
    except ServiceError as exc:
        raise forms.ValidationError(
            _("规则有误（%(where)s）：%(message)s"),
            code="segment_invalid",
            params={"where": exc.details.get("field", ""), "message": exc.message},
        ) from None


class LifecycleRulesForm(forms.ModelForm):
    class Meta:
        model = LifecycleRules
        fields = RULE_FIELDS

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors:
            # The same checks as the service, on the values as submitted.
            candidate = LifecycleRules(**{name: data.get(name) for name in RULE_FIELDS})
            try:
                check_rules(candidate)
            except ServiceError as exc:
                self.add_error(exc.details.get("field"), _("取值有误：%s") % exc.message)
        return data
