"""Pages of the satisfaction app."""

from django.urls import path

from . import views, views_surveys

app_name = "satisfaction"
urlpatterns = [
    path("complaints/", views.case_list, name="cases"),
    path("complaints/new/", views.case_new, name="case_new"),
    path("complaints/sla/", views.sla, name="sla"),
    path("complaints/<int:complaint_id>/", views.case_detail, name="case"),
    path("complaints/<int:complaint_id>/assign/", views.case_assign, name="case_assign"),
    path("complaints/<int:complaint_id>/<slug:action>/", views.case_action, name="case_action"),
    path("surveys/", views_surveys.survey_queue, name="surveys"),
    path("surveys/questions/", views_surveys.questionnaire, name="questionnaire"),
    path("surveys/orders/<int:order_id>/", views_surveys.survey_take, name="survey_take"),
    path("surveys/orders/<int:order_id>/send-link/", views_surveys.survey_send_link, name="survey_send_link"),
    path("csi/", views_surveys.csi_report, name="csi"),
    path("s/<str:token>/", views_surveys.survey_link, name="survey_link"),
]
