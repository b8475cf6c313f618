from django.urls import path

from xiaonuo.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.retention, name="retention"),
    path("lifecycle/", views.lifecycle, name="lifecycle"),
    path("funnel/", views.funnel, name="funnel"),
    path("rfm/", views.rfm, name="rfm"),
    path("churn/", views.churn, name="churn"),
    path("clv/", views.clv, name="clv"),
    path("costs/", views.costs, name="costs"),
]
