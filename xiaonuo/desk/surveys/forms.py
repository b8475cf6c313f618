"""Console forms of the surveys app: they parse; the services check and write."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from xiaonuo.desk.surveys.models import QuestionKind, SurveySettings
from xiaonuo.desk.surveys.services.definitions import SETTING_LIMITS


class SettingsForm(forms.ModelForm):
    class Meta:
        model = SurveySettings
        fields = [
            "csat_enabled",
            "csat_delay_minutes",
            "csat_sample_percent",
            "fatigue_cap",
            "link_valid_days",
            "nps_enabled",
            "nps_interval_days",
            "nps_active_days",
            "nps_sample_percent",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The browser's hints only; the service checks the ranges (SETTING_LIMITS).
        for name, (low, high) in SETTING_LIMITS.items():
            self.fields[name].widget.attrs.update(
                {"min": low, "max": high, "class": "form-control"}
            )


_KIND_CHOICES = QuestionKind.choices
QUESTION_ROWS = 6  # blank question rows on the new-survey page


class SurveyForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    intro = forms.CharField(
        label=_("开场白"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("题型"), choices=_KIND_CHOICES)
    text = forms.CharField(label=_("题目"), max_length=300, required=False)
    required = forms.BooleanField(label=_("必答"), required=False)
    options = forms.CharField(
        label=_("选项（每行一个）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


QuestionFormSet = forms.formset_factory(QuestionForm, extra=QUESTION_ROWS, max_num=20)


class SendSurveyForm(forms.Form):
    ticket_id = forms.IntegerField(label=_("工单号"), min_value=1)
