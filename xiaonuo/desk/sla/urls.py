from django.urls import URLPattern, URLResolver, path
from django.views.generic import RedirectView

from xiaonuo.desk.sla import views

app_name = "desk_sla"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", RedirectView.as_view(pattern_name="desk_sla:report"), name="index"),
    path("calendars/", views.calendar_list, name="calendars"),
    path("calendars/<int:calendar_id>/", views.calendar_detail, name="calendar"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/<int:policy_id>/", views.policy_detail, name="policy"),
    path("report/", views.report, name="report"),
    path("report.csv", views.report_csv, name="report_csv"),
]
