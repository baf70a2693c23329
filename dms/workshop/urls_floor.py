"""The shop floor's pages: dispatch board, technician's own view, QC, the wall board."""

from django.urls import path

from . import views_floor as views

app_name = "floor"
urlpatterns = [
    path("dispatch/", views.dispatch, name="dispatch"),
    path("dispatch/<int:order_id>/", views.assign, name="assign"),
    path("reviews/", views.review, name="review"),
    path("my-jobs/", views.my_jobs, name="my_jobs"),
    path("jobs/<int:order_id>/clock/", views.clock, name="clock"),
    path("jobs/<int:order_id>/findings/", views.finding, name="finding"),
    path("jobs/<int:order_id>/finish/", views.finish, name="finish"),
    path("jobs/<int:order_id>/ask/", views.ask, name="ask"),
    path("photos/<int:photo_id>/", views.photo, name="photo"),
    path("qc/", views.qc, name="qc"),
    path("qc/<int:order_id>/pass/", views.qc_pass, name="qc_pass"),
    path("qc/<int:order_id>/fail/", views.qc_fail, name="qc_fail"),
    path("board/", views.board, name="board"),
]
