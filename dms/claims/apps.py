from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    """Claims (issue 15): manufacturer warranty claims (索赔) collected from the warranty lines of
    settled orders, and insurance claims (事故车) with the assessor's amount and receivables per insurer."""

    name = "dms.claims"
    label = "claims"
