"""Pages of the sales app."""

from django.urls import path

from . import views

app_name = "sales"
urlpatterns = [
    path("", views.my_day, name="my_day"),
    path("door/", views.door, name="door"),
    path("leads/", views.lead_list, name="leads"),
    path("leads/<int:lead_id>/", views.lead_detail, name="lead"),
    path("test-drives/<int:drive_id>/agreement.png", views.drive_agreement, name="agreement"),
    path("quotations/<int:quotation_id>/", views.quotation_detail, name="quotation"),
    path("quotations/<int:quotation_id>/quotation.pdf", views.quotation_pdf, name="quotation_pdf"),
    path("approvals/", views.approvals, name="approvals"),
    path("orders/<int:sales_order_id>/", views.order_detail, name="order"),
    path("orders/<int:sales_order_id>/delivery-photo", views.delivery_photo, name="delivery_photo"),
    # The buyer's delivery photo, opened from the text sent at the delivery (signed link, no login).
    path("photo/<str:token>/", views.photo_shared, name="photo_shared"),
    path("photo/<str:token>/photo", views.photo_shared_image, name="photo_shared_image"),
    path("stock/", views.stock, name="stock"),
    path("desk/", views.desk, name="desk"),
    path("desk/export.xlsx", views.desk_export, name="desk_export"),
    path("desk/records/", views.desk_records, name="desk_records"),
]
