from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "xiaonuo.events"
    label = "events"
