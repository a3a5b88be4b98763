from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "xiaoneng.opendata"
    verbose_name = "开放数据"

    def ready(self) -> None:
        from . import datasets, feeds  # noqa: F401  (register the datasets and the feed's sources)
