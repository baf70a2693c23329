"""Pages of the records app."""

app_name = "records"
urlpatterns: list = []
