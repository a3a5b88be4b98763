from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "xiaoneng.notifications"
    verbose_name = "通知"
