from django.urls import URLPattern, URLResolver

app_name = "autoreply"
urlpatterns: list[URLPattern | URLResolver] = []
