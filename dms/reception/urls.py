from django.urls import path

from . import views

app_name = "reception"
urlpatterns = [
    path("", views.start, name="start"),
    path("begin/", views.begin, name="begin"),
    path("register/", views.register, name="register"),
    path("<int:checkin_id>/", views.resume, name="resume"),
    path("<int:checkin_id>/protect/", views.protect, name="protect"),
    path("<int:checkin_id>/walkaround/", views.walkaround, name="walkaround"),
    path("<int:checkin_id>/checks/", views.checks, name="checks"),
    path("<int:checkin_id>/order/", views.order, name="order"),
    path("<int:checkin_id>/sign/", views.sign, name="sign"),
    path("<int:checkin_id>/signature.png", views.signature, name="signature"),
    path("<int:checkin_id>/discard/", views.discard, name="discard"),
    path("<int:checkin_id>/photos/", views.photo_add, name="photo_add"),
    path("<int:checkin_id>/photos/<int:photo_id>/", views.photo, name="photo"),
    path("<int:checkin_id>/photos/<int:photo_id>/delete/", views.photo_delete, name="photo_delete"),
]
