from django.urls import include, path

from . import views, views_privacy

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/contacts/", views.contact_create, name="contact_create"),
    path("<int:pk>/consent/", views.consent_set, name="consent"),
    path("<int:pk>/service-notice/", views_privacy.service_notice, name="service_notice"),
    path("<int:pk>/data-export/", views_privacy.data_export, name="data_export"),
    path("<int:pk>/erase/", views_privacy.erase, name="erase"),
]
urlpatterns += [path("", include("dms.customers.urls_transfer"))]
