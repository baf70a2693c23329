"""Pages of the records app: the administrator's pages (records by upload state, one record, a
retry, the month's export, the platform settings) and the owner's page by a signed link."""

from django.urls import path

from . import views

app_name = "records"
urlpatterns = [
    path("", views.record_list, name="list"),
    path("export/", views.record_export, name="export"),
    path("platform/", views.platform_settings, name="platform"),
    path("<int:record_id>/", views.record_detail, name="detail"),
    path("<int:record_id>/retry/", views.record_retry, name="retry"),
    path("r/<str:token>/", views.owner, name="owner"),
]
