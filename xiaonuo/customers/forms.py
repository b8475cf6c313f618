from django import forms
from django.utils.translation import gettext_lazy as _

from xiaonuo.customers.models import ConsentPurpose, LifecycleStage

SEED_CHOICES = [("", _("全部")), ("1", _("是")), ("0", _("否"))]


class CustomerFilterForm(forms.Form):
    """The customer list's filters, read from the query string."""

    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("姓名开头、手机号或其他身份标识")}),
    )
    stage = forms.ChoiceField(
        label=_("生命周期"), required=False, choices=[("", _("全部阶段")), *LifecycleStage.choices]
    )
    tag = forms.CharField(label=_("标签"), required=False, max_length=50)
    seed = forms.ChoiceField(label=_("种子用户"), required=False, choices=SEED_CHOICES)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def is_seed(self) -> bool | None:
        return {"1": True, "0": False}.get(self.cleaned_data.get("seed") or "")


class CustomerEditForm(forms.Form):
    lifecycle_stage = forms.ChoiceField(label=_("生命周期"), choices=LifecycleStage.choices)
    is_seed = forms.BooleanField(label=_("种子用户"), required=False)
    tags = forms.CharField(
        label=_("标签"), required=False, max_length=1000, help_text=_("多个标签用逗号分隔")
    )
    consent = forms.MultipleChoiceField(
        label=_("已授权"),
        required=False,
        choices=ConsentPurpose.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def tag_names(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [name.strip() for name in raw.replace("，", ",").split(",") if name.strip()]

    def consent_map(self) -> dict[str, bool]:
        given = set(self.cleaned_data.get("consent") or [])
        return {purpose: purpose in given for purpose in ConsentPurpose.values}


class MergeForm(forms.Form):
    other_id = forms.IntegerField(label=_("要并入的用户 ID"), min_value=1)


class EraseForm(forms.Form):
    confirm = forms.CharField(label=_("确认"), max_length=200)

    def __init__(self, *args: object, expected: set[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.expected = expected

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value not in self.expected:
            raise forms.ValidationError(_("输入的内容与用户姓名或 ID 不一致。"))
        return value
