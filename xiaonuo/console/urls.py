from django.urls import path

from xiaonuo.console import views

app_name = "console"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("area/<slug:slug>/", views.area_not_built, name="area"),
    path("workspace/switch/", views.switch_workspace, name="switch_workspace"),
    path(
        "timeline/customers/<int:customer_id>/", views.customer_timeline, name="customer_timeline"
    ),
]
