from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from xiaonuo.accounts import webhooks
from xiaonuo.accounts.models import User
from xiaonuo.accounts.permissions import Role


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)


class InviteForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices, initial=Role.AGENT)
    email = forms.EmailField(label=_("邮箱（可选）"), required=False)


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, help_text=_("例如：官网下单系统"))


class WebhookEndpointForm(forms.Form):
    """Parses the console's form; the rules (http(s) only, public addresses, known events) are
    the service's, so the form stays lenient and shows the service's refusals on its fields."""

    url = forms.CharField(
        label=_("接收地址"),
        max_length=2000,
        help_text=_("你的系统接收事件的 HTTPS 地址，例如 https://example.com/xiaonuo/webhook"),
    )
    events = forms.MultipleChoiceField(
        label=_("订阅的事件"), choices=(), widget=forms.CheckboxSelectMultiple, required=False
    )
    description = forms.CharField(label=_("说明（可选）"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Read at form time: labels are lazy and the registry is code, not data.
        self.fields["events"].choices = webhooks.event_choices()  # type: ignore[attr-defined]


class InviteSignupForm(forms.Form):
    """A new person joining through an invite link picks a username and a password."""

    username = forms.CharField(label=_("用户名"), max_length=150)
    display_name = forms.CharField(label=_("显示名"), max_length=100, required=False)
    password1 = forms.CharField(label=_("密码"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("再次输入密码"), widget=forms.PasswordInput, strip=False)

    def clean_username(self) -> str:
        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("这个用户名已被使用。"))
        return username

    def clean(self) -> dict:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif first:
            user = User(
                username=data.get("username", ""), display_name=data.get("display_name", "")
            )
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data
