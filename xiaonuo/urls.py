from django.urls import include, path
from django.views.i18n import set_language

from xiaonuo import health
from xiaonuo.api import api

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("i18n/setlang/", set_language, name="set_language"),
    path("accounts/", include("xiaonuo.accounts.urls")),
    path("customers/", include("xiaonuo.customers.urls")),
    path("desk/sla/", include("xiaonuo.desk.sla.urls")),
    path("desk/surveys/", include("xiaonuo.desk.surveys.urls")),
    path("desk/", include("xiaonuo.desk.urls")),
    path("channels/", include("xiaonuo.channels.urls")),
    path("autoreply/", include("xiaonuo.autoreply.urls")),
    path("feedback/", include("xiaonuo.feedback.urls")),
    path("analytics/", include("xiaonuo.analytics.urls")),
    path("", include("xiaonuo.console.urls")),
]
