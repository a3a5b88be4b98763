from django.apps import AppConfig


class BulletinsConfig(AppConfig):
    name = "xiaoneng.bulletins"
    verbose_name = "通报"
