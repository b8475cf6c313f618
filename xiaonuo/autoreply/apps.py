from django.apps import AppConfig


class AutoreplyConfig(AppConfig):
    """Auto-reply (DESIGN.md §2): the FAQ knowledge base, keyword rules and the matcher that
    answers what it can and hands the rest to a person."""

    name = "xiaonuo.autoreply"
    label = "autoreply"
