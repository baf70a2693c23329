"""Import and export of customers and vehicles; included by urls.py under the "customers" namespace."""

from django.urls import path

from . import views_transfer

urlpatterns = [
    path("import/", views_transfer.transfer, name="import"),
    path("import/<int:job_id>/", views_transfer.import_status, name="import_status"),
    path("import/template.xlsx", views_transfer.import_template, name="import_template"),
    path("export.xlsx", views_transfer.export, name="export"),
]
