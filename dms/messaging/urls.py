from django.urls import path

from . import views, views_wechat

app_name = "messaging"

urlpatterns = [
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("wx/qr/<int:customer_id>/", views_wechat.qr, name="wechat_qr"),
    path("wx/<str:token>/", views_wechat.link, name="wechat_link"),
    path("wx/<str:token>/back/", views_wechat.back, name="wechat_link_back"),
    path("sms/replies/<int:config_id>/<str:token>/", views.inbound_sms, name="inbound_sms"),
    path("sms/reports/<int:config_id>/<str:token>/", views.delivery_reports, name="delivery_reports"),
]
