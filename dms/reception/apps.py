from django.apps import AppConfig


class ReceptionConfig(AppConfig):
    name = "dms.reception"
    label = "reception"
