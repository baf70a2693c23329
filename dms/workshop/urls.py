from django.urls import path

from . import views, views_comebacks

app_name = "workshop"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("new/", views.order_create, name="create"),
    path("comebacks/", views_comebacks.comeback_report, name="comebacks"),
    path("quality-warranty/", views_comebacks.quality_warranty, name="quality_warranty"),
    path("<int:pk>/", views.order_detail, name="detail"),
    path("<int:pk>/lines/", views.line_create, name="line_create"),
    path("<int:pk>/actions/<str:action>/", views.order_action, name="action"),
    path("<int:pk>/lines/<int:line_pk>/issue/", views.line_issue, name="line_issue"),
    path("<int:pk>/lines/<int:line_pk>/fee/", views.line_fee, name="line_fee"),
]
