"""Pages of the satisfaction app."""

from django.urls import path

from . import views

app_name = "satisfaction"
urlpatterns = [
    path("complaints/", views.case_list, name="cases"),
    path("complaints/new/", views.case_new, name="case_new"),
    path("complaints/<int:complaint_id>/", views.case_detail, name="case"),
    path("complaints/<int:complaint_id>/assign/", views.case_assign, name="case_assign"),
    path("complaints/<int:complaint_id>/<slug:action>/", views.case_action, name="case_action"),
]
