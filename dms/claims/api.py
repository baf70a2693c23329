"""The claims app's API routers: (prefix, router) pairs, mounted by config.api under /api/v1."""

ROUTERS: list = []
