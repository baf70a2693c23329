"""The satisfaction app's API routers, mounted by config/api.py."""

ROUTERS: list = []
