from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "xiaoneng.evaluation"
    verbose_name = "群众评议"

    def ready(self) -> None:
        from . import watches  # noqa: F401  (registers the campaign milestone watch)
