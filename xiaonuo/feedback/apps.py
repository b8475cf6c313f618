from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    """Reviews and voice of the customer (DESIGN.md §2): marketplace reviews, enrichment of
    every inbound text, the product × service quadrant and alerts."""

    name = "xiaonuo.feedback"
    label = "feedback"
