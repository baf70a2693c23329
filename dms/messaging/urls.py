from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("sms/replies/<int:config_id>/<str:token>/", views.inbound_sms, name="inbound_sms"),
]
