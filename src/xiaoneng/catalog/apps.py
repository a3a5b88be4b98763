from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "xiaoneng.catalog"
    verbose_name = "事项目录"
