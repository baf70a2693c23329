from django.urls import path

from . import views

app_name = "followups"
urlpatterns = [
    path("", views.followup_queue, name="queue"),
    path("<int:followup_id>/", views.followup_detail, name="detail"),
    path("<int:followup_id>/close/", views.followup_close, name="close"),
]
