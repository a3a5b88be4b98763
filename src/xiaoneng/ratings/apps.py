from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "xiaoneng.ratings"
    verbose_name = "好差评"

    def ready(self) -> None:
        from xiaoneng.cases.models import Case
        from xiaoneng.rectification import sources

        from .watches import register_watches

        register_watches()

        # A 差评's task links to the case page, which shows the rating: it opens for those who
        # may see the case.
        sources.register(
            sources.SourceType(
                sources.SourceKind.RATING,
                lambda user, rating_id: (
                    Case.objects.visible_to(user).filter(ratings__pk=rating_id).exists()
                ),
            )
        )
