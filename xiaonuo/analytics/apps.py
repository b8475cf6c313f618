from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "xiaonuo.analytics"
    label = "analytics"
