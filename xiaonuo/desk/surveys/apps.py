from django.apps import AppConfig


class DeskSurveysConfig(AppConfig):
    """Surveys after service (CSAT, NPS, multi-question) and the praise board."""

    name = "xiaonuo.desk.surveys"
    label = "desk_surveys"
