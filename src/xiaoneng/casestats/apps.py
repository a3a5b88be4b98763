from django.apps import AppConfig


class CasestatsConfig(AppConfig):
    name = "xiaoneng.casestats"
    verbose_name = "办件统计"
