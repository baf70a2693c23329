"""/api/v1/stock-vehicles, /api/v1/quotations, /api/v1/sales-orders."""

ROUTERS: list = []
