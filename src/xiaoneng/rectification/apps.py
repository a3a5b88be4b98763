from django.apps import AppConfig


class RectificationConfig(AppConfig):
    name = "xiaoneng.rectification"
    verbose_name = "整改督办"

    def ready(self) -> None:
        from . import watches  # noqa: F401  (registers the task, progress and report watches)
