"""The channels area: the console's widget and WeChat pages, the widget's public endpoints and the
WeChat callback. Public URLs carry a channel's random ``public_id``, never its row id."""

from django.urls import URLPattern, URLResolver, path

from xiaonuo.channels import public_views, views
from xiaonuo.channels.wechat import callback as wechat_callback

app_name = "channels"
urlpatterns: list[URLPattern | URLResolver] = [
    # Console (staff who manage the desk)
    path("widgets/", views.widget_list, name="widgets"),
    path("widgets/<int:channel_id>/", views.widget_detail, name="widget"),
    path("widgets/<int:channel_id>/origins/", views.widget_origins, name="widget_origins"),
    path("widgets/<int:channel_id>/enabled/", views.widget_enabled, name="widget_enabled"),
    path("widgets/<int:channel_id>/secret/", views.widget_rotate_secret, name="widget_secret"),
    path("wechat-accounts/", views.wechat_list, name="wechat_accounts"),
    path("wechat-accounts/<int:channel_id>/", views.wechat_detail, name="wechat_account"),
    path(
        "wechat-accounts/<int:channel_id>/enabled/",
        views.wechat_enabled,
        name="wechat_account_enabled",
    ),
    path(
        "wechat-accounts/<int:channel_id>/secret/",
        views.wechat_app_secret,
        name="wechat_account_secret",
    ),
    # Public: WeChat's servers call an Official Account's "服务器配置" URL
    path("wechat/<str:public_id>/", wechat_callback.wechat_callback, name="wechat_callback"),
    # Public: called by widget.js from the company's site
    path("widget/<str:public_id>/session/", public_views.session, name="widget_session"),
    path("widget/<str:public_id>/identify/", public_views.identify, name="widget_identify"),
    path("widget/<str:public_id>/messages/", public_views.messages, name="widget_messages"),
]
