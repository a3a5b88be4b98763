from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "xiaoneng.ratings"
    verbose_name = "好差评"

    def ready(self) -> None:
        from . import watches  # noqa: F401  (registers the rectification watch with the sweeper)
