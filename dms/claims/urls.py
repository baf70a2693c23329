"""Pages of the claims app: warranty claims (索赔) under /claims/, insurance claims under
/claims/insurance/."""

from django.urls import path

from . import views, views_insurance

app_name = "claims"
urlpatterns = [
    path("", views.claim_list, name="list"),
    path("new/", views.claim_new, name="new"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("rates/", views.rates, name="rates"),
    path("<int:claim_id>/", views.claim_detail, name="detail"),
    path("<int:claim_id>/edit/", views.claim_edit, name="edit"),
    path("<int:claim_id>/export.xlsx", views.claim_export, name="export"),
    path("<int:claim_id>/lines/<int:claim_line_id>/", views.claim_line, name="line"),
    path("<int:claim_id>/photos/", views.claim_photos, name="photos"),
    path("<int:claim_id>/photos/<int:claim_photo_id>/", views.claim_photo, name="photo"),
    path("<int:claim_id>/photos/<int:claim_photo_id>/remove/", views.claim_photo_remove, name="photo_remove"),
    path("<int:claim_id>/<slug:action>/", views.claim_action, name="action"),
    path("insurance/", views_insurance.insurance_list, name="insurance_list"),
    path("insurance/new/", views_insurance.insurance_new, name="insurance_new"),
    path("insurance/receivables/", views_insurance.receivables, name="receivables"),
    path("insurance/insurers/", views_insurance.insurers, name="insurers"),
    path("insurance/<int:insurance_claim_id>/", views_insurance.insurance_detail, name="insurance_detail"),
    path("insurance/<int:insurance_claim_id>/edit/", views_insurance.insurance_edit, name="insurance_edit"),
    path(
        "insurance/<int:insurance_claim_id>/documents/",
        views_insurance.insurance_documents,
        name="insurance_documents",
    ),
    path(
        "insurance/<int:insurance_claim_id>/documents/<int:document_id>/",
        views_insurance.insurance_document,
        name="insurance_document",
    ),
    path(
        "insurance/<int:insurance_claim_id>/documents/<int:document_id>/remove/",
        views_insurance.insurance_document_remove,
        name="insurance_document_remove",
    ),
    path(
        "insurance/<int:insurance_claim_id>/payments/",
        views_insurance.insurance_payment,
        name="insurance_payment",
    ),
    path(
        "insurance/<int:insurance_claim_id>/<slug:action>/",
        views_insurance.insurance_action,
        name="insurance_action",
    ),
]
