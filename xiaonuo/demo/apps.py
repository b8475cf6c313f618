from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "xiaonuo.demo"
    label = "demo"
