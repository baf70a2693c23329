"""(prefix, router) pairs mounted by dms.core.api under /api/v1."""

ROUTERS: list = []
