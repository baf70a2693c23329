"""Maintenance packages by model (km/months), canned jobs and the service recommendations drawn from them.

A maintenance package (保养套餐) is what the manufacturer's schedule asks for at an interval ("10,000 km
or 6 months"), for a brand and optionally one model and powertrain; a canned job (标准项目套餐) is a
repair sold as one item ("前刹车片更换套餐"). Both are lists of labor operations and parts with
quantities, maintained by administrators; applying one to a repair order adds its lines.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dms.core.ids import OpaqueIdModel
from dms.core.models import Brand, DealerGroup
from dms.core.scoping import GroupScopedQuerySet


class Powertrain(models.TextChoices):
    ANY = "any", _("Any")
    ENGINE = "engine", _("Engine (petrol, diesel, hybrid, plug-in hybrid)")
    ELECTRIC = "electric", _("Battery electric")


def powertrain_of(energy: str) -> str:
    return Powertrain.ELECTRIC if energy == "bev" else Powertrain.ENGINE


class MaintenancePackage(OpaqueIdModel):
    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    brand = models.ForeignKey(
        Brand,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("brand"),
        help_text=_("Empty: any brand."),
    )
    model = models.CharField(
        _("model"),
        max_length=50,
        blank=True,
        help_text=_("As on the vehicle file, e.g. 雅阁. Empty: any model."),
    )
    powertrain = models.CharField(
        _("powertrain"), max_length=10, choices=Powertrain.choices, default=Powertrain.ANY
    )
    name = models.CharField(_("package name"), max_length=100)
    interval_km = models.PositiveIntegerField(_("every (km)"))
    interval_months = models.PositiveSmallIntegerField(_("or every (months)"))
    first_only = models.BooleanField(
        _("first service only (首保)"),
        default=False,
        help_text=_("Offered only to vehicles with no maintenance on file."),
    )
    active = models.BooleanField(_("active"), default=True)
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("maintenance package")
        verbose_name_plural = _("maintenance packages")
        ordering = ["brand__name", "model", "-first_only", "interval_km", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(interval_km__gt=0), name="package_interval_km_positive"),
            models.CheckConstraint(
                condition=Q(interval_months__gt=0), name="package_interval_months_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def interval_km_text(self) -> str:
        return f"{self.interval_km:,}"

    @property
    def fits(self) -> str:
        """Who it is for, in words: "东风本田 雅阁", "比亚迪", "—"."""
        return " ".join(x for x in (self.brand.name if self.brand_id else "", self.model) if x)


class CannedJob(OpaqueIdModel):
    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("job name"), max_length=100)
    brand = models.ForeignKey(
        Brand,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("brand"),
        help_text=_("For a brand's own parts. Empty: any brand."),
    )
    description = models.CharField(_("what it includes, for the customer"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("canned job")
        verbose_name_plural = _("canned jobs")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["group", "code"], name="canned_job_code_per_group")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Item(models.Model):
    """One labor operation (quantity: times its standard hours) or one part (quantity in its unit)."""

    labor_operation = models.ForeignKey(
        "workshop.LaborOperation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("labor operation"),
    )
    part = models.ForeignKey(
        "parts.Part",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("part"),
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=8,
        decimal_places=2,
        default=1,
        help_text=_("Labor: times the standard hours (usually 1). Part: in the part's unit."),
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self) -> str:
        what = self.labor_operation if self.is_labor else self.part
        return f"{what} × {self.quantity}"

    def clean(self):
        if bool(self.labor_operation_id) == bool(self.part_id):
            raise ValidationError(_("Choose either a labor operation or a part."))
        if self.quantity is not None and self.quantity <= 0:
            raise ValidationError({"quantity": _("A quantity is more than 0.")})

    @property
    def is_labor(self) -> bool:
        return self.labor_operation_id is not None


def _one_of(prefix: str) -> list:
    return [
        models.CheckConstraint(
            condition=Q(labor_operation__isnull=False, part__isnull=True)
            | Q(labor_operation__isnull=True, part__isnull=False),
            name=f"{prefix}_item_labor_or_part",
        ),
        models.CheckConstraint(condition=Q(quantity__gt=0), name=f"{prefix}_item_quantity_positive"),
    ]


class PackageItem(Item):
    package = models.ForeignKey(MaintenancePackage, on_delete=models.CASCADE, related_name="items")

    class Meta(Item.Meta):
        verbose_name = _("package item")
        verbose_name_plural = _("package items")
        constraints = _one_of("package")


class CannedJobItem(Item):
    job = models.ForeignKey(CannedJob, on_delete=models.CASCADE, related_name="items")

    class Meta(Item.Meta):
        verbose_name = _("canned job item")
        verbose_name_plural = _("canned job items")
        constraints = _one_of("canned_job")


class Application(models.Model):
    """A package or canned job applied to a repair order: which lines came from where, and the
    maintenance a delivered order did (the next maintenance is counted from it)."""

    order = models.ForeignKey("workshop.RepairOrder", on_delete=models.CASCADE, related_name="+")
    package = models.ForeignKey(MaintenancePackage, on_delete=models.PROTECT, null=True, related_name="+")
    canned_job = models.ForeignKey(CannedJob, on_delete=models.PROTECT, null=True, related_name="+")
    lines = models.JSONField(default=list)  # ids of the lines it added
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("package applied to an order")
        verbose_name_plural = _("packages applied to orders")
        indexes = [models.Index(fields=["order"], name="package_application_order")]
        constraints = [
            models.CheckConstraint(
                condition=Q(package__isnull=False, canned_job__isnull=True)
                | Q(package__isnull=True, canned_job__isnull=False),
                name="application_package_or_job",
            ),
            models.UniqueConstraint(
                fields=["order", "package"], condition=Q(package__isnull=False), name="package_once_per_order"
            ),
            models.UniqueConstraint(
                fields=["order", "canned_job"],
                condition=Q(canned_job__isnull=False),
                name="canned_job_once_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.package or self.canned_job}"
