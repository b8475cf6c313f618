from django.urls import URLPattern, URLResolver, path

from xiaonuo.feedback import views

app_name = "feedback"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.review_list, name="reviews"),
    path("reviews/<int:review_id>/", views.review_detail, name="review"),
    path("reviews/<int:review_id>/reply/", views.review_reply, name="review_reply"),
    path("reviews/<int:review_id>/sentiment/", views.review_sentiment, name="review_sentiment"),
    path("import/", views.import_page, name="import"),
    path("mappings/", views.mapping_save, name="mapping_save"),
    path("mappings/<int:mapping_id>/delete/", views.mapping_delete, name="mapping_delete"),
    path("quadrant/", views.quadrant, name="quadrant"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:alert_id>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/retrain/", views.retrain_model, name="retrain_model"),
]
