from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "xiaoneng.opendata"
    verbose_name = "开放数据"

    def ready(self) -> None:
        from . import assessment, datasets, feeds, inspections  # noqa: F401  (the registries)
