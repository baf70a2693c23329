"""The sales app's API routers, mounted by config/api.py."""

ROUTERS: list = []
