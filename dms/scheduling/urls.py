from django.urls import path

from . import views

app_name = "scheduling"
urlpatterns = [
    path("", views.board, name="board"),
    path("new/", views.book, name="book"),
    path("slots/", views.slot_grid, name="slots"),
    path("<int:pk>/", views.appointment_detail, name="detail"),
    path("<int:pk>/actions/<str:action>/", views.appointment_action, name="action"),
    path("<int:pk>/deposit/", views.deposit_record, name="deposit"),
    path("book/<str:store_code>/", views.public_book, name="public_book"),
]
