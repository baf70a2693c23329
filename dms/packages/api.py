"""The app's API routers: (prefix, router) pairs, mounted by dms.core.api under /api/v1."""

ROUTERS: list = []
