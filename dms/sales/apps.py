from django.apps import AppConfig


class SalesConfig(AppConfig):
    """New-car sales (issue 14): prospects, the showroom, test drives, quotations, sales orders,
    new-car stock, delivery and the hand-over to after-sales."""

    name = "dms.sales"
    label = "sales"
