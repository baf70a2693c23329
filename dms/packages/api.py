"""/api/v1/maintenance-packages, /api/v1/canned-jobs and /api/v1/recommendations."""

from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dms.core.errors import DomainError
from dms.core.roles import Perm
from dms.core.validation import PAGE_OFFSET_MAX, choices_of
from dms.vehicles.selectors import vehicle_get
from dms.workshop import selectors as order_selectors
from dms.workshop.api import OrderOut, order_out

from . import selectors, services
from .models import Powertrain

packages_router = Router(tags=["maintenance packages"])
canned_router = Router(tags=["canned jobs"])
recommendations_router = Router(tags=["recommendations"])


def _m(d: Decimal) -> str:
    return f"{d:.2f}"


class ItemOut(Schema):
    kind: choices_of(("labor", "part"))
    code: str = Field(description="The labor operation's code or the part number.")
    description: str
    quantity: str = Field(description="Hours for labor, the part's unit for parts.")
    unit_price: str
    amount: str
    labor_operation_id: int | None
    part_id: int | None


def _items(record) -> list[dict]:
    return [
        {
            "kind": ln.kind,
            "code": ln.code,
            "description": ln.description,
            "quantity": _m(ln.quantity),
            "unit_price": _m(ln.unit_price),
            "amount": _m(ln.amount),
            "labor_operation_id": ln.labor_operation_id,
            "part_id": ln.part_id,
        }  # fmt: skip
        for ln in record.lines
    ]


class PackageOut(Schema):
    id: int
    name: str
    brand: str | None
    model: str
    powertrain: choices_of(Powertrain)
    interval_km: int
    interval_months: int
    first_only: bool = Field(description="Only for a vehicle's first maintenance (首保).")
    items: list[ItemOut]
    estimate: str = Field(description="Labor at this store's rate plus parts at today's prices.")


class PackagePage(Schema):
    count: int
    items: list[PackageOut]


class ListParams(Schema):
    q: str = Field("", max_length=50, description="Part of the name (or model, brand).")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


class PackageParams(ListParams):
    vehicle_id: int | None = Field(None, description="Only the packages that fit this vehicle.")


def _page(records, params, out) -> dict:
    return {
        "count": len(records),
        "items": [out(r) for r in records[params.offset : params.offset + params.limit]],
    }


def package_out(p) -> dict:
    return {
        "id": p.pk, "name": p.name, "brand": p.brand.name if p.brand_id else None, "model": p.model,
        "powertrain": p.powertrain, "interval_km": p.interval_km, "interval_months": p.interval_months,
        "first_only": p.first_only, "items": _items(p), "estimate": _m(p.estimate),
    }  # fmt: skip


@packages_router.get("", response=PackagePage)
def package_list(request, params: Query[PackageParams]):
    """The group's maintenance packages, with their items priced at this store."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    vehicle = vehicle_get(t, params.vehicle_id) if params.vehicle_id else None
    return _page(selectors.package_list(t, q=params.q.strip(), vehicle=vehicle), params, package_out)


class ApplyIn(Schema):
    order_id: int
    version: int | None = Field(None, description="The order's version you read; stale answers 409.")


@packages_router.post("/{package_id}/apply", response={201: OrderOut})
def package_apply(request, package_id: int, payload: ApplyIn):
    """Add the package's labor and parts to a repair order (all of them or none). Answers the
    whole repair order."""
    t = request.auth
    services.package_apply(
        tenant=t, order_id=payload.order_id, package_id=package_id, version=payload.version
    )
    return Status(201, order_out(order_selectors.order_get(t, payload.order_id), t))


class CannedJobOut(Schema):
    id: int
    code: str
    name: str
    brand: str | None = Field(description="Only for this brand's vehicles; null: any brand.")
    description: str
    items: list[ItemOut]
    estimate: str


class CannedJobPage(Schema):
    count: int
    items: list[CannedJobOut]


def job_out(j) -> dict:
    return {"id": j.pk, "code": j.code, "name": j.name, "brand": j.brand.name if j.brand_id else None, "description": j.description, "items": _items(j),
            "estimate": _m(j.estimate)}  # fmt: skip


@canned_router.get("", response=CannedJobPage)
def canned_job_list(request, params: Query[ListParams]):
    """The group's canned jobs, with their items priced at this store."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    return _page(selectors.canned_job_list(t, q=params.q.strip()), params, job_out)


@canned_router.post("/{canned_job_id}/apply", response={201: OrderOut})
def canned_job_apply(request, canned_job_id: int, payload: ApplyIn):
    """Add the canned job's labor and parts to a repair order (all of them or none)."""
    t = request.auth
    services.canned_job_apply(
        tenant=t, order_id=payload.order_id, canned_job_id=canned_job_id, version=payload.version
    )
    return Status(201, order_out(order_selectors.order_get(t, payload.order_id), t))


class RecommendationOut(Schema):
    kind: choices_of(("maintenance_due", "declined_earlier"))
    title: str
    reason: str
    due: choices_of(("overdue", "due_soon"))
    amount: str = Field(description="Estimated, at today's prices.")
    package_id: int | None = Field(
        description="maintenance_due: apply with POST /maintenance-packages/{id}/apply"
    )
    declined_line_id: int | None = Field(
        description="declined_earlier: take up with POST /recommendations/{declined_line_id}/accept"
    )
    declined_on: str | None = Field(description="declined_earlier: the repair order it was declined on")


class RecommendationPage(Schema):
    count: int
    items: list[RecommendationOut]


class RecommendationParams(Schema):
    vehicle_id: int
    order_id: int | None = Field(None, description="Leave out what is on this repair order already.")


@recommendations_router.get("", response=RecommendationPage)
def recommendation_list(request, params: Query[RecommendationParams]):
    """What to offer the vehicle's owner: maintenance due by km or months since the last one, and
    items declined at earlier visits and not done since."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    vehicle = vehicle_get(t, params.vehicle_id)
    order = None
    if params.order_id:
        order = order_selectors.order_get(t, params.order_id)
        if order.vehicle_id != vehicle.pk:
            raise DomainError(_("This repair order is for another vehicle."), field="order_id")
    recs = selectors.recommendations_for(t, vehicle, order=order)
    return {
        "count": len(recs),
        "items": [
            {
                "kind": r.kind,
                "title": r.title,
                "reason": r.reason,
                "due": r.due,
                "amount": _m(r.amount),
                "package_id": r.package.pk if r.package else None,
                "declined_line_id": r.line.pk if r.line else None,
                "declined_on": r.line.order.number if r.line else None,
            }  # fmt: skip
            for r in recs
        ],
    }


class AcceptIn(Schema):
    order_id: int = Field(description="The repair order to add the item to (the same vehicle's).")
    version: int | None = None


@recommendations_router.post("/{declined_line_id}/accept", response={201: OrderOut})
def recommendation_accept(request, declined_line_id: int, payload: AcceptIn):
    """The customer takes up an item declined at an earlier visit: it is added to the order again."""
    t = request.auth
    services.recommendation_accept(tenant=t, order_id=payload.order_id, line_id=declined_line_id,
                                   version=payload.version)  # fmt: skip
    return Status(201, order_out(order_selectors.order_get(t, payload.order_id), t))


ROUTERS = [
    ("/maintenance-packages", packages_router),
    ("/canned-jobs", canned_router),
    ("/recommendations", recommendations_router),
]
