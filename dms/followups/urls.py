from django.urls import path

from . import views, views_day, views_portfolio

app_name = "followups"
urlpatterns = [
    path("", views.followup_queue, name="queue"),
    path("day/", views_day.my_day, name="day"),
    path("portfolio/", views_portfolio.portfolio, name="portfolio"),
    path("portfolio/update/", views_portfolio.portfolio_update, name="portfolio_update"),
    path("portfolio/<int:customer_id>/toolkit/", views_portfolio.toolkit_record, name="toolkit"),
    path("team/", views_portfolio.team, name="team"),
    path("team/balance/", views_portfolio.team_balance, name="team_balance"),
    path("<int:followup_id>/", views.followup_detail, name="detail"),
    path("<int:followup_id>/close/", views.followup_close, name="close"),
    path("<int:followup_id>/outcome/", views_day.quick_outcome, name="quick_outcome"),
    path("<int:followup_id>/reschedule/", views_day.reschedule, name="reschedule"),
    path("<int:followup_id>/hand-over/", views_day.hand_over, name="hand_over"),
]
