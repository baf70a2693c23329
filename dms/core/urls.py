from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("settings/language/", views.language_set, name="language_set"),
    path("settings/store/", views.store_set, name="store_set"),
    path("settings/phone/", views.phone_set, name="phone_set"),
]
