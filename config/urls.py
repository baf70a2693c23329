from django.contrib import admin
from django.urls import include, path
from django.urls.resolvers import RoutePattern, URLResolver

from dms.core.api import api

API_PREFIX = "api/v1/"


class _ApiUrls(URLResolver):
    """/api/v1/: ninja's paths, each call matched only against those of its first segment.

    ninja lists the API's paths flat (over 80) and Django tries them in turn, raising and catching
    a miss for each (grouped by first segment, the groups in turn: the three reception calls took
    40–53 µs to resolve, 17–25 now). Here the full list stays as it is (reverse(), the checks and the
    OpenAPI document see it unchanged), and each first segment has a resolver of its own over its
    paths (with any path whose first segment is not a plain word, in the same order): the one a
    call goes to gives the same match as the full list would."""

    def __init__(self, urls):
        patterns, app_name, namespace = urls
        prefix = RoutePattern(API_PREFIX, is_endpoint=False)
        super().__init__(prefix, patterns, app_name=app_name, namespace=namespace)
        heads = {_head(p) for p in patterns} - {None}
        self._by_head = {
            head: URLResolver(prefix, [p for p in patterns if _head(p) in (head, None)],
                              app_name=app_name, namespace=namespace)
            for head in heads
        }  # fmt: skip
        self._others = URLResolver(
            prefix, [p for p in patterns if _head(p) is None], app_name=app_name, namespace=namespace
        )

    def resolve(self, path):
        path = str(path)
        head = path[len(API_PREFIX) :].split("/", 1)[0] if path.startswith(API_PREFIX) else None
        return self._by_head.get(head, self._others).resolve(path)


def _head(pattern) -> str | None:
    """A path's first segment when it is a plain word (None: a parameter or a regular expression)."""
    if not isinstance(pattern.pattern, RoutePattern):
        return None
    head = str(pattern.pattern).split("/", 1)[0]
    return None if "<" in head else head


urlpatterns = [
    _ApiUrls(api.urls),
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
