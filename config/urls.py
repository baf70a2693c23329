from django.contrib import admin
from django.urls import include, path

from dms.core.api import api

urlpatterns = [
    path("", include("dms.core.urls")),
    path("customers/", include("dms.customers.urls")),
    path("vehicles/", include("dms.vehicles.urls")),
    path("appointments/", include("dms.scheduling.urls")),
    path("parts/", include("dms.parts.urls")),
    path("orders/", include("dms.workshop.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
