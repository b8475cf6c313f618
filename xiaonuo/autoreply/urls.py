from django.urls import path

from xiaonuo.autoreply import views

app_name = "autoreply"
urlpatterns = [
    path("", views.entry_list, name="entries"),
    path("entries/new/", views.entry_new, name="entry_new"),
    path("entries/<int:entry_id>/", views.entry_detail, name="entry"),
    path("entries/<int:entry_id>/history/", views.entry_history, name="entry_history"),
    path("entries/<int:entry_id>/toggle/", views.entry_toggle, name="entry_toggle"),
    path("entries/<int:entry_id>/delete/", views.entry_delete, name="entry_delete"),
    path("import/", views.entry_import, name="import"),
    path("export/", views.entry_export, name="export"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/<int:rule_id>/", views.rule_edit, name="rule"),
    path("rules/<int:rule_id>/delete/", views.rule_delete, name="rule_delete"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/dictionary/", views.dictionary, name="dictionary"),
    path("settings/synonyms/", views.synonym_add, name="synonym_add"),
    path("settings/synonyms/<int:group_id>/delete/", views.synonym_delete, name="synonym_delete"),
    path("test/", views.test_box, name="test"),
    path("test/confirm/", views.test_confirm, name="test_confirm"),
    path("metrics/", views.metrics, name="metrics"),
    path("groups/<int:group_id>/accept/", views.group_accept, name="group_accept"),
    path("groups/<int:group_id>/dismiss/", views.group_dismiss, name="group_dismiss"),
    # The suggestion panel of a desk ticket (loaded into the desk's ticket page).
    path("tickets/<int:ticket_id>/suggestions/", views.ticket_suggestions, name="suggestions"),
    path(
        "tickets/<int:ticket_id>/suggestions/use/",
        views.ticket_use_suggestion,
        name="use_suggestion",
    ),
]
