from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "xiaoneng.assessment"
    verbose_name = "绩效考评"

    def ready(self) -> None:
        from . import components, components_oversight, watches  # noqa: F401  (sources, watches)
        from .sources import register_source

        register_source()
