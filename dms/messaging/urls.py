from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("sms/replies/<int:config_id>/<str:token>/", views.inbound_sms, name="inbound_sms"),
    path("sms/reports/<int:config_id>/<str:token>/", views.delivery_reports, name="delivery_reports"),
]
