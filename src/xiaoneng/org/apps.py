from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "xiaoneng.org"
    verbose_name = "组织机构"
