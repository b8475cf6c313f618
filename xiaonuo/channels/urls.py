"""The channels area: the console's widget pages and the widget's public endpoints (the WeChat
callback comes later). Public URLs carry a channel's random ``public_id``, never its row id."""

from django.urls import URLPattern, URLResolver, path

from xiaonuo.channels import public_views, views

app_name = "channels"
urlpatterns: list[URLPattern | URLResolver] = [
    # Console (staff who manage the desk)
    path("widgets/", views.widget_list, name="widgets"),
    path("widgets/<int:channel_id>/", views.widget_detail, name="widget"),
    path("widgets/<int:channel_id>/origins/", views.widget_origins, name="widget_origins"),
    path("widgets/<int:channel_id>/enabled/", views.widget_enabled, name="widget_enabled"),
    path("widgets/<int:channel_id>/secret/", views.widget_rotate_secret, name="widget_secret"),
    # Public: called by widget.js from the company's site
    path("widget/<str:public_id>/session/", public_views.session, name="widget_session"),
    path("widget/<str:public_id>/identify/", public_views.identify, name="widget_identify"),
    path("widget/<str:public_id>/messages/", public_views.messages, name="widget_messages"),
]
