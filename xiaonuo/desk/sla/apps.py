from django.apps import AppConfig


class DeskSlaConfig(AppConfig):
    """Service levels of the desk: policies, business hours and holidays, timers, breaches."""

    name = "xiaonuo.desk.sla"
    label = "desk_sla"
