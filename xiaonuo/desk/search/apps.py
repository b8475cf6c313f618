from django.apps import AppConfig


class DeskSearchConfig(AppConfig):
    """Chinese-aware search over the desk's message text."""

    name = "xiaonuo.desk.search"
    label = "desk_search"
