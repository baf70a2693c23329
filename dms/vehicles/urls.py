from django.urls import path

from . import views, views_sanbao

app_name = "vehicles"
urlpatterns = [
    path("", views.vehicle_list, name="list"),
    path("new/", views.vehicle_create, name="create"),
    path("sanbao/", views_sanbao.sanbao_watch, name="sanbao"),
    path("<int:pk>/", views.vehicle_detail, name="detail"),
    path("<int:pk>/edit/", views.vehicle_edit, name="edit"),
    path("<int:pk>/mileage/", views.mileage_create, name="mileage"),
    path("<int:pk>/transfer/", views.vehicle_transfer, name="transfer"),
]
