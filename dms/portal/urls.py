"""The customer's own pages, reached by a signed, expiring link (no login): repair status and
approval of extra work; the store's public complaint form (by store code, rate-limited). And, for
staff (signed in), texting a link and announcing a delay."""

from django.urls import path

from . import views, views_complaint, views_promises

app_name = "portal"
urlpatterns = [
    path("s/<str:token>/", views.status, name="status"),
    path("a/<str:token>/", views.approval, name="approval"),
    path("a/<str:token>/photos/<int:photo_id>/", views.approval_photo, name="approval_photo"),
    path(
        "a/<str:token>/photos/<int:photo_id>/small/",
        views.approval_photo,
        {"small": True},
        name="approval_photo_small",
    ),
    path("complaint/<str:store_code>/", views_complaint.complaint_form, name="complaint"),
    path("staff/<int:order_id>/send/", views.link_send, name="link_send"),
    path("staff/<int:order_id>/delay/", views.delay_announce, name="delay"),
    path("staff/at-risk-badge/", views_promises.at_risk_badge, name="at_risk_badge"),
]
