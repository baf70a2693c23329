"""Pages of the sales app."""

from django.urls import path  # noqa: F401

app_name = "sales"
urlpatterns: list = []
