from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xiaonuo.accounts"
    label = "accounts"
