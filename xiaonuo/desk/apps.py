from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "xiaonuo.desk"
    label = "desk"
