from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "xiaoneng.web"
    verbose_name = "界面"
