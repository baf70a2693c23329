from django.apps import AppConfig


class PackagesConfig(AppConfig):
    name = "dms.packages"
    label = "packages"
