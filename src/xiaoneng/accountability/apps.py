from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "xiaoneng.accountability"
    verbose_name = "责任追究"

    def ready(self) -> None:
        from . import providers, providers_inspections, watches  # noqa: F401  (registers them)
