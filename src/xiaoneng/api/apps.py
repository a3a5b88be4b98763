from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "xiaoneng.api"
    label = "api"
    verbose_name = "接口"
