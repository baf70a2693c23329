from django.contrib import admin
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("", include("dms.core.urls")),
    path("customers/", include("dms.customers.urls")),
    path("vehicles/", include("dms.vehicles.urls")),
    path("appointments/", include("dms.scheduling.urls")),
    path("parts/", include("dms.parts.urls")),
    path("orders/", include("dms.workshop.urls")),
    path("floor/", include("dms.workshop.urls_floor")),
    path("documents/", include("dms.workshop.urls_print")),
    path("reception/", include("dms.reception.urls")),
    path("packages/", include("dms.packages.urls")),
    path("followups/", include("dms.followups.urls")),
    path("satisfaction/", include("dms.satisfaction.urls")),
    path("sales/", include("dms.sales.urls")),
    path("records/", include("dms.records.urls")),
    path("claims/", include("dms.claims.urls")),
    path("c/", include("dms.portal.urls")),
    path("m/", include("dms.messaging.urls")),
    path("admin/", admin.site.urls),
]

# With DEBUG off (make run, production): the API's JSON error shape under /api/, a page elsewhere.
handler400 = "dms.core.errors_views.bad_request"
handler403 = "dms.core.errors_views.forbidden"
handler404 = "dms.core.errors_views.not_found"
handler500 = "dms.core.errors_views.server_error"
