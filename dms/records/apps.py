from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """The electronic repair record (汽车维修电子健康档案, issue 15): built from each settled repair
    order, uploaded to the province's platform through the outbox, exported per period, readable by
    the owner on a signed link."""

    name = "dms.records"
    label = "records"
