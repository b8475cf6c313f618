from django.urls import URLPattern, URLResolver

app_name = "desk_sla"
urlpatterns: list[URLPattern | URLResolver] = []
