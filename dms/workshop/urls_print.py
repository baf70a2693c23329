"""Printed documents of a repair order (PDF)."""

from django.urls import path

from . import views_print

app_name = "documents"
urlpatterns = [
    path("orders/<int:pk>/repair-order.pdf", views_print.repair_order_pdf, name="repair_order"),
    path("orders/<int:pk>/settlement.pdf", views_print.settlement_pdf, name="settlement"),
]
