from django.urls import include, path

from . import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/contacts/", views.contact_create, name="contact_create"),
    path("<int:pk>/consent/", views.consent_set, name="consent"),
]
urlpatterns += [path("", include("dms.customers.urls_transfer"))]
