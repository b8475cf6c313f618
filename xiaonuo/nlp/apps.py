from django.apps import AppConfig


class NlpConfig(AppConfig):
    """Chinese text understanding as a library app (DESIGN.md §2): no models of its own beyond
    trained artefacts; the apps above it store their own word lists and labels."""

    name = "xiaonuo.nlp"
    label = "nlp"
