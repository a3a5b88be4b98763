from django.apps import AppConfig


class AccountabilityConfig(AppConfig):
    name = "xiaoneng.accountability"
    verbose_name = "责任追究"

    def ready(self) -> None:
        # Importing the providers and the watches registers them.
        from . import (  # noqa: F401
            providers,
            providers_assessment,
            providers_inspections,
            watches,
        )
