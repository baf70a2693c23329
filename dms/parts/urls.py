from django.urls import path

from . import views

app_name = "parts"
urlpatterns = [
    path("", views.part_list, name="list"),
    path("low-stock/", views.low_stock, name="low_stock"),
    path("new/", views.part_create, name="create"),
    path("<int:pk>/", views.part_detail, name="detail"),
    path("<int:pk>/edit/", views.part_edit, name="edit"),
    path("<int:pk>/receive/", views.stock_receive, name="receive"),
    path("<int:pk>/adjust/", views.stock_adjust, name="adjust"),
    path("<int:pk>/release/", views.reservation_release, name="release"),
]
