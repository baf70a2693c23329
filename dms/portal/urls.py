from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("s/<str:token>/", views.status, name="status"),
    path("a/<str:token>/", views.approval, name="approval"),
]
