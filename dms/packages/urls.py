from django.urls import path

from . import views

app_name = "packages"
urlpatterns = [
    path("", views.package_list, name="list"),
    path("orders/<int:order_id>/package/", views.apply_package, name="apply_package"),
    path("orders/<int:order_id>/canned-job/", views.apply_canned_job, name="apply_canned_job"),
    path("orders/<int:order_id>/declined/", views.accept_declined, name="accept_declined"),
]
