"""Follow-ups (回访) and other touches with the customer: a task with an owner, a due time and an
outcome. Post-service calls come first; the relationship engine adds other kinds (maintenance
reminders, insurance renewal, new-car touches) as more `Kind`s of the same record."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dms.core.models import Store
from dms.core.scoping import StoreScopedQuerySet
from dms.customers.models import Customer
from dms.vehicles.models import Vehicle


class FollowUp(models.Model):
    class Kind(models.TextChoices):
        AFTER_SERVICE = "after_service", _("Call after service")

    class State(models.TextChoices):
        OPEN = "open", _("To do")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="followups")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    repair_order = models.ForeignKey(
        "workshop.RepairOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="followups"
    )
    due_at = models.DateTimeField(_("due"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    preferred_time = models.CharField(_("preferred time"), max_length=10, blank=True)
    consent = models.BooleanField(_("customer agreed to be contacted"), default=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    reached = models.BooleanField(_("reached the customer"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    complaint = models.BooleanField(_("complaint"), default=False)
    note = models.TextField(_("what the customer said"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["store", "state", "due_at"], name="followup_queue")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="satisfaction_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer_id}"
