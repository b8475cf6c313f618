from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from xiaonuo.accounts import views

app_name = "accounts"
urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(
            template_name="accounts/password_change.html",
            success_url=reverse_lazy("accounts:password_change_done"),
            extra_context={"active_area": "settings"},
        ),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html",
            extra_context={"active_area": "settings"},
        ),
        name="password_change_done",
    ),
    path("no-workspace/", views.no_workspace, name="no_workspace"),
    path("settings/", views.settings_home, name="settings"),
    path("settings/members/", views.members, name="members"),
    path("settings/members/<int:membership_id>/role/", views.change_role, name="change_role"),
    path("settings/invites/", views.create_invite, name="create_invite"),
    path("invite/<str:token>/", views.accept_invite, name="invite"),
    path("settings/api-keys/", views.api_keys, name="api_keys"),
    path("settings/api-keys/<int:api_key_id>/revoke/", views.revoke_api_key, name="revoke_api_key"),
    path("settings/webhooks/", views.webhooks_list, name="webhooks"),
    path("settings/webhooks/<int:endpoint_id>/", views.webhook_endpoint, name="webhook"),
    path(
        "settings/webhooks/<int:endpoint_id>/enable/", views.webhook_enable, name="webhook_enable"
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/secret/",
        views.webhook_reveal_secret,
        name="webhook_secret",
    ),
    path("settings/webhooks/<int:endpoint_id>/test/", views.webhook_send_test, name="webhook_test"),
    path(
        "settings/webhooks/<int:endpoint_id>/delete/", views.webhook_delete, name="webhook_delete"
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/",
        views.webhook_delivery,
        name="webhook_delivery",
    ),
    path(
        "settings/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/retry/",
        views.webhook_retry,
        name="webhook_retry",
    ),
    path("settings/audit/", views.audit_log, name="audit"),
]
