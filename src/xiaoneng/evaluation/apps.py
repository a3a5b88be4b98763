from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "xiaoneng.evaluation"
    verbose_name = "群众评议"

    def ready(self) -> None:
        from xiaoneng.rectification import sources

        from . import watches  # noqa: F401  (registers the campaign milestone watch)
        from .models import Campaign, CampaignUnit

        # A unit's 整改任务 links to its 整改通知书, for those who may download it.
        sources.register(
            sources.SourceType(
                sources.SourceKind.EVALUATION,
                lambda user, pk: (
                    CampaignUnit.objects.visible_to(user)
                    .filter(pk=pk, campaign__status=Campaign.Status.PUBLISHED)
                    .exists()
                ),
            )
        )
