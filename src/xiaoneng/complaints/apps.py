from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "xiaoneng.complaints"
    verbose_name = "效能投诉"

    def ready(self) -> None:
        from xiaoneng.rectification import sources

        from . import watches  # noqa: F401  (registers the complaint watch with the sweeper)
        from .models import Complaint

        # A complaint's 整改任务 links back to the complaint, for those who may see it.
        sources.register(
            sources.SourceType(
                sources.SourceKind.COMPLAINT,
                lambda user, pk: Complaint.objects.visible_to(user).filter(pk=pk).exists(),
            )
        )
