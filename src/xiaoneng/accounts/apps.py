from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xiaoneng.accounts"
    verbose_name = "账号与角色"
