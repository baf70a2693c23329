"""The promised times we had to move, and the promises found at risk.

What the customer was told is messaging's outbox (dms.messaging.models.Message, subject
"repair_order"/<id>): the portal queues its texts there (notify.py). PromiseChange: a new
promised completion time announced to the customer; the repair order keeps its first promise
(RepairOrder.promised_at), the latest change is the promise that holds now. PromiseWarning: a
promise found at risk by the background sweep (tasks.promise_sweep), once per promise: the
advisor was warned and the customer told.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dms.core.models import Store
from dms.core.scoping import StoreScopedQuerySet


class PromiseChange(models.Model):
    """A new promised completion time, told to the customer (the order keeps its first promise)."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("workshop.RepairOrder", on_delete=models.CASCADE, related_name="+")
    previous_at = models.DateTimeField(_("previous promise"), null=True, blank=True)
    promised_at = models.DateTimeField(_("new promise"))
    reason = models.CharField(_("reason"), max_length=200)
    at = models.DateTimeField(_("time"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("promise change")
        verbose_name_plural = _("promise changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["order", "-at"], name="promise_order_at")]

    def __str__(self) -> str:
        return f"{self.order_id} → {self.promised_at:%Y-%m-%d %H:%M}"


class PromiseWarning(models.Model):
    """A promised time found at risk (not ready, due within 30 minutes or passed) by the sweep: the
    order's advisor is warned (top bar, the list of promises at risk) and the customer is texted.
    One per order and promise (the constraint makes the sweep idempotent, however many workers run
    it); a new promise (PromiseChange) may be warned about again."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("workshop.RepairOrder", on_delete=models.CASCADE, related_name="+")
    promised_at = models.DateTimeField(_("promise at risk"))
    advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
        verbose_name=_("advisor"),
    )  # fmt: skip
    at = models.DateTimeField(_("warned at"))
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("text message to the customer"),
    )  # fmt: skip

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("promise warning")
        verbose_name_plural = _("promise warnings")
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["order", "promised_at"], name="promise_warned_once")]
        indexes = [models.Index(fields=["store", "-at"], name="promise_warning_store_at")]

    def __str__(self) -> str:
        return f"{self.order_id} @ {self.promised_at:%Y-%m-%d %H:%M}"
