from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "xiaonuo.customers"
    label = "customers"
