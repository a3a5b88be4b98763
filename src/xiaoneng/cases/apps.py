from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "xiaoneng.cases"
    verbose_name = "办件监察"

    def ready(self) -> None:
        from . import watches  # noqa: F401  (registers the case watches with the sweeper)
