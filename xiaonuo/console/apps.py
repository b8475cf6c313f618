from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The console's shell: layout, navigation, dashboard. Presentation only; no models."""

    name = "xiaonuo.console"
    label = "console"
