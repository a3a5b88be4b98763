from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "xiaoneng.web"
    verbose_name = "界面"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the startup checks)
