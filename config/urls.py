from django.contrib import admin
from django.urls import include, path
from django.urls.resolvers import RoutePattern

from dms.core.api import api


def _grouped(urls):
    """The API's URL patterns grouped by their first segment. ninja lists every path flat (over
    80) and Django tries them in order, so a call to one near the end paid for matching all
    before it; grouped, a call tries a few groups' prefixes, then its group's paths."""
    patterns, app_name, namespace = urls
    out, groups = [], {}
    for p in patterns:
        route = str(p.pattern) if isinstance(p.pattern, RoutePattern) else ""
        head, sep, rest = route.partition("/")
        if not sep or "<" in head:  # "me", "customers": exact routes, which no group's prefix matches
            out.append(p)
            continue
        if head not in groups:
            groups[head] = []
            out.append(path(f"{head}/", include(groups[head])))
        groups[head].append(path(rest, p.callback, p.default_args, p.name))
    return out, app_name, namespace


urlpatterns = [
    path("api/v1/", _grouped(api.urls)),
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
    path("c/", include("dms.portal.urls")),
    path("admin/", admin.site.urls),
]
