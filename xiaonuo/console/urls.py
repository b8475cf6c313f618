from django.urls import path

from xiaonuo.console import views

app_name = "console"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("area/<slug:slug>/", views.area_not_built, name="area"),
]
