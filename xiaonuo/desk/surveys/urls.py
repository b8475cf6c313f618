from django.urls import URLPattern, URLResolver, path

from xiaonuo.desk.surveys import views

app_name = "desk_surveys"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.results, name="results"),
    path("results.csv", views.results_csv, name="results_csv"),
    path("praise/", views.praise_board, name="praise"),
    path("settings/", views.settings_page, name="settings"),
    path("surveys/", views.survey_list, name="surveys"),
    path("surveys/new/", views.survey_new, name="survey_new"),
    path("surveys/<int:survey_id>/", views.survey_detail, name="survey"),
    path("surveys/<int:survey_id>/send/", views.survey_send, name="survey_send"),
    path("surveys/<int:survey_id>/active/", views.survey_active, name="survey_active"),
    path("links/", views.ready_links, name="ready"),
    # Public: no sign-in; the signed token is the key.
    path("r/<str:token>/", views.respond, name="respond"),
    path("thanks/", views.thanks, name="thanks"),
]
