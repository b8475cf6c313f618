from django import forms
from django.utils.translation import gettext_lazy as _

ORIGINS_HELP = _(
    "每行一个，例如 https://www.example.com 或 https://*.example.com。留空表示任何网站都可以嵌入。"
)


class OriginsField(forms.CharField):
    """One origin per line (or separated by spaces or commas) → a list; checked by the service."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [item for item in text.replace(",", "\n").split() if item]


class WidgetChannelForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("例如：官网、商城 H5"))
    allowed_origins = OriginsField(
        label=_("允许嵌入的网站"), required=False, help_text=ORIGINS_HELP
    )


class AllowedOriginsForm(forms.Form):
    allowed_origins = OriginsField(
        label=_("允许嵌入的网站"), required=False, help_text=ORIGINS_HELP
    )
