from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "xiaoneng.assessment"
    verbose_name = "绩效考评"

    def ready(self) -> None:
        from . import components, watches  # noqa: F401  (the data sources and the deadline watches)
        from .sources import register_source

        register_source()
