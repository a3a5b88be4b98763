from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xiaoneng.audit"
    verbose_name = "审计日志"
