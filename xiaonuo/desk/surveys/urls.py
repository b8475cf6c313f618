from django.urls import URLPattern, URLResolver

app_name = "desk_surveys"
urlpatterns: list[URLPattern | URLResolver] = []
