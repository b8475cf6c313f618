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


class WeChatChannelForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("例如：品牌服务号"))
    app_id = forms.CharField(
        label="AppID",
        max_length=32,
        help_text=_("在微信公众平台“设置与开发 → 基本配置”中查看，以 wx 开头。"),
    )
    token = forms.CharField(
        label="Token",
        max_length=32,
        help_text=_("与公众平台“服务器配置”中填写的令牌一致：3 到 32 个英文字母或数字。"),
    )
    encoding_aes_key = forms.CharField(
        label="EncodingAESKey",
        max_length=43,
        help_text=_("与“服务器配置”中的消息加解密密钥一致：43 个字符。"),
    )
    app_secret = forms.CharField(
        label="AppSecret",
        max_length=32,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("用于通过客服消息接口发送稍后的回答和人工回复。加密保存，保存后不再显示。"),
    )


class WeChatAppSecretForm(forms.Form):
    app_secret = forms.CharField(
        label="AppSecret",
        max_length=32,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("在公众平台重置 AppSecret 后，在这里填写新的。加密保存，保存后不再显示。"),
    )
