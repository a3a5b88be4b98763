from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "xiaoneng.inspections"
    verbose_name = "明查暗访"

    def ready(self) -> None:
        from xiaoneng.rectification import sources

        from . import watches  # noqa: F401  (registers the contest window's watch)
        from .models import Finding

        # A finding's 整改任务 links back to the finding, for those who may see it.
        sources.register(
            sources.SourceType(
                sources.SourceKind.INSPECTION,
                lambda user, pk: Finding.objects.visible_to(user).filter(pk=pk).exists(),
            )
        )
