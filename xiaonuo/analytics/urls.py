from django.urls import path

from xiaonuo.analytics import segment_views, views

app_name = "analytics"
urlpatterns = [
    path("", views.retention, name="retention"),
    path("lifecycle/", views.lifecycle, name="lifecycle"),
    path("funnel/", views.funnel, name="funnel"),
    path("rfm/", views.rfm, name="rfm"),
    path("churn/", views.churn, name="churn"),
    path("clv/", views.clv, name="clv"),
    path("costs/", views.costs, name="costs"),
    path("segments/", segment_views.segment_list, name="segments"),
    path("segments/new/", segment_views.segment_edit, name="segment_new"),
    path("segments/count/", segment_views.segment_count, name="segment_count"),
    path("segments/<int:segment_id>/", segment_views.segment_edit, name="segment"),
    path(
        "segments/<int:segment_id>/preview/",
        segment_views.segment_preview,
        name="segment_preview",
    ),
    path(
        "segments/<int:segment_id>/export.csv",
        segment_views.segment_export,
        name="segment_export",
    ),
    path("segments/<int:segment_id>/delete/", segment_views.segment_delete, name="segment_delete"),
    path("lifecycle-rules/", segment_views.lifecycle_rules, name="lifecycle_rules"),
]
