"""Public endpoints of the channels (the web chat widget; the WeChat callback comes later)."""

from django.urls import URLPattern, URLResolver

app_name = "channels"
urlpatterns: list[URLPattern | URLResolver] = []
