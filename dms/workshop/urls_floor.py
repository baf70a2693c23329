"""The shop floor's pages: dispatch board, technician's own view, QC, the wall board."""

from django.urls import path  # noqa: F401

app_name = "floor"
urlpatterns: list = []
