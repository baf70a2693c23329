"""Pages of the claims app."""

app_name = "claims"
urlpatterns: list = []
