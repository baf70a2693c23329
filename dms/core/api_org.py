"""Who am I, and the group's stores and brands."""

from ninja import Field, Router, Schema

from .models import Brand, User
from .roles import Role
from .validation import choices_of

router = Router(tags=["organisation"])


class StoreOut(Schema):
    code: str
    name: str
    time_zone: str
    labor_rate: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    phone: str = Field(description="The work phone customers are given (empty: the store's).")
    language: choices_of(User.Language)
    store: str
    role: choices_of(Role)
    permissions: list[str]
    stores: list[StoreOut]


def _store(s) -> dict:
    return {"code": s.code, "name": s.name, "time_zone": s.time_zone, "labor_rate": f"{s.labor_rate:.2f}"}


@router.get("/me", response=MeOut)
def me(request):
    """The signed-in user, the store they act in (X-Store header, else their home store) and their role."""
    t = request.auth
    return {
        "id": t.user.pk,
        "username": t.user.username,
        "display_name": str(t.user),
        "phone": t.user.phone,
        "language": t.user.language,
        "store": t.store.code,
        "role": t.role,
        "permissions": sorted(t.permissions),
        "stores": [_store(s) for s in t.stores],
    }


class BrandOut(Schema):
    id: int
    name: str
    warranty_years: int
    warranty_km: int


@router.get("/brands", response=list[BrandOut])
def brands(request):
    """The group's brands with their manufacturer warranty policy."""
    return list(Brand.objects.for_tenant(request.auth).order_by("name"))
