from django.urls import path

from xiaonuo.customers import import_views, views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("import/", import_views.import_upload, name="import"),
    path("import/<int:import_id>/", import_views.import_mapping, name="import_mapping"),
    path("import/<int:import_id>/progress/", import_views.import_progress, name="import_progress"),
    path("import/<int:import_id>/errors.csv", import_views.import_errors, name="import_errors"),
    path("export.csv", import_views.customer_export, name="export"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
    path("<int:customer_id>/edit/", views.customer_edit, name="edit"),
    path(
        "<int:customer_id>/identities/<int:identity_id>/reveal/",
        views.reveal_identity,
        name="reveal",
    ),
    path("<int:customer_id>/merge/", views.customer_merge, name="merge"),
    path("<int:customer_id>/erase/", views.customer_erase, name="erase"),
]
