from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "xiaoneng.complaints"
    verbose_name = "效能投诉"

    def ready(self) -> None:
        from . import watches  # noqa: F401  (registers the complaint watch with the sweeper)
