from django import forms
from django.utils.translation import gettext_lazy as _

from xiaonuo.feedback import presets
from xiaonuo.feedback.models import Platform
from xiaonuo.nlp.lexicon import Aspect

ASPECT_LABELS = {
    "product": _("产品质量"),
    "service": _("服务态度"),
    "logistics": _("物流配送"),
    "price": _("价格"),
    "environment": _("环境"),
    "other": _("其他"),
}
FIELD_LABELS = {
    "text": _("评价内容"),
    "external_id": _("订单号 / 评价 ID"),
    "store": _("门店"),
    "product": _("商品"),
    "rating": _("评分"),
    "author_name": _("买家昵称"),
    "author_handle": _("手机号 / 用户 ID"),
    "reviewed_at": _("评价时间"),
}
PRESET_LABELS = {
    "taobao": _("淘宝/天猫导出"),
    "jd": _("京东导出"),
    "meituan": _("美团导出"),
    "dianping": _("大众点评导出"),
}


class ImportForm(forms.Form):
    file = forms.FileField(label=_("评价导出文件（.csv 或 .xlsx）"))
    format = forms.ChoiceField(label=_("列映射"))

    def __init__(self, *args: object, mappings: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["format"].choices = [  # type: ignore[attr-defined]
            *PRESET_LABELS.items(),
            *[(name, name) for name in mappings],
        ]


class MappingForm(forms.Form):
    name = forms.CharField(label=_("映射名称"), max_length=50)
    platform = forms.ChoiceField(label=_("平台"), choices=Platform.choices)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for field in presets.FIELDS:
            self.fields[f"col_{field}"] = forms.CharField(
                label=FIELD_LABELS[field],
                required=field in presets.REQUIRED_FIELDS,
                max_length=100,
                help_text=_("文件中的列名"),
            )

    def columns(self) -> dict[str, str]:
        return {f: self.cleaned_data.get(f"col_{f}", "") for f in presets.FIELDS}


class SettingsForm(forms.Form):
    auto_complaint = forms.BooleanField(label=_("符合规则的负面文本自动立投诉"), required=False)
    aspects = forms.MultipleChoiceField(
        label=_("涉及这些方面的负面评价（不选则任意方面）"),
        choices=[(str(a), ASPECT_LABELS[str(a)]) for a in Aspect],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    repeat_only = forms.BooleanField(label=_("仅限回头客（之前有过工单或评价）"), required=False)
    alert_min_count = forms.IntegerField(
        label=_("预警最少条数（每周）"), min_value=1, max_value=1000
    )
    alert_mad_k = forms.FloatField(
        label=_("预警灵敏度 k（越小越灵敏）"), min_value=0.5, max_value=20
    )
