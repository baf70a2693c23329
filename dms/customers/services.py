"""Writes to the customer file. Pages, the API, imports and tasks all come through here."""

import functools
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core import sqltext
from dms.core.errors import DomainError, Forbidden, stale_version
from dms.core.models import Store, User
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped
from dms.core.validation import Result, aware, collect, full_clean

from . import privacy
from .models import ConsentEvent, Customer, CustomerContact, ExportRecord, Source
from .rules import name_keys, validate_mobile
from .segmentation import recompute_customer_tier

EDITABLE_FIELDS = (
    "name", "title", "mobile", "phone2", "wechat", "email", "preferred_channel", "preferred_time",
    "occupation", "region", "address", "source", "birthday", "known_since", "behaviour_type", "customer_manager_id",
    "notes",
)  # fmt: skip


def _apply(customer: Customer, tenant: Tenant | None, changes: dict) -> None:
    """Set and validate fields; raise one DomainError naming every bad field."""
    unknown = set(changes) - set(EDITABLE_FIELDS) - {"marketing_consent"}
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    errors: list[dict] = []
    for name, value in changes.items():
        if name == "marketing_consent":
            continue
        if isinstance(value, str):
            value = value.strip()
        setattr(customer, name, value)
    if "name" in changes and not customer.name:
        errors.append({"field": "name", "message": _("Enter the customer's name.")})
    if "mobile" in changes:
        customer.mobile = collect(errors, validate_mobile, customer.mobile) or customer.mobile
    if customer.birthday and customer.birthday > timezone.localdate():
        errors.append({"field": "birthday", "message": _("The birthday cannot be in the future.")})
    if customer.known_since and customer.known_since > timezone.localdate():
        errors.append({"field": "known_since", "message": _("“Customer since” cannot be in the future.")})
    if changes.get("customer_manager_id"):
        manager = User.objects.filter(
            pk=changes["customer_manager_id"], group_id=tenant.group_id, is_active=True
        ).first()
        if manager is None:
            errors.append({"field": "customer_manager_id", "message": _("No such colleague in your group.")})
    full_clean(
        customer, exclude=("group", "home_store", "customer_manager", "mobile_tail"), extra_errors=errors
    )
    customer.name_pinyin, customer.name_initials, customer.name_tail = name_keys(customer.name).values()
    customer.mobile_tail = customer.mobile[::-1]


def duplicate_warnings(tenant: Tenant, *, mobile: str, exclude_id: int | None = None) -> list[dict]:
    """The names of (up to three of) the group's other customers with this mobile. Plain SQL: the
    ORM's compiling of this one read cost opening a file a fifth of its Python (tests:
    test_api_customers.py, duplicates)."""
    params = [tenant.group_id, mobile, *([] if exclude_id is None else [exclude_id])]
    with connection.cursor() as cursor:
        cursor.execute(_duplicates_sql(excluding=exclude_id is not None), params)
        names = [name for (name,) in cursor.fetchall()]
    if not names:
        return []
    return [
        {
            "field": "mobile",
            "message": _("This mobile number is already in the file for: %(names)s.")
            % {"names": "、".join(names)},
        }
    ]


@functools.cache
def _duplicates_sql(*, excluding: bool) -> str:
    """The statement, with or without a customer to leave out, made once."""
    col = sqltext.columns(Customer, "id", "group", "name", "mobile")
    other = f" AND {col['id']} <> %s" if excluding else ""
    return (
        f"SELECT {col['name']} FROM {sqltext.table(Customer)} WHERE {col['group']} = %s AND {col['mobile']} = %s"
        f"{other} LIMIT 3"
    )


def customer_create(
    *, tenant: Tenant, marketing_consent: bool = False, consent_how: str = "", **fields
) -> Result:
    tenant.require(Perm.CUSTOMER_EDIT)
    customer = Customer(group_id=tenant.group_id, home_store=tenant.store)
    _apply(customer, tenant, {"name": fields.pop("name", ""), "mobile": fields.pop("mobile", ""), **fields})
    with transaction.atomic():
        customer.save()
        if marketing_consent:
            _record_consent(customer, tenant, granted=True, how=consent_how or _("At registration"))
        if customer.known_since:
            recompute_customer_tier(customer)  # known for years without a visit: lost
    return Result(customer, duplicate_warnings(tenant, mobile=customer.mobile, exclude_id=customer.pk))


def customer_for_public_form(*, store: Store, name: str, mobile: str, source: str = Source.WEB) -> Customer:
    """The customer a public form (no sign-in: the web complaint form) speaks for: the customer of the
    store's group with this mobile (the one registered at this store first, then the latest), else a
    new file with the name and the mobile. A known customer's file is neither read out nor changed:
    the form proves no identity. `mobile` is already validated (rules.validate_mobile)."""
    found = (
        Customer.objects.filter(group_id=store.group_id, mobile=mobile)
        .annotate(here=Case(When(home_store=store, then=Value(0)), default=Value(1)))
        .order_by("here", "-pk")
        .first()
    )
    if found is not None:
        return found
    customer = Customer(group_id=store.group_id, home_store=store)
    _apply(customer, None, {"name": name, "mobile": mobile, "source": source})
    customer.save()
    return customer


def customer_update(*, tenant: Tenant, customer_id: int, version: int, **changes) -> Result:
    """Change fields of a customer; a stale `version` changes nothing and raises Conflict."""
    tenant.require(Perm.CUSTOMER_EDIT)
    consent = changes.pop("marketing_consent", None)
    consent_how = changes.pop("consent_how", "")
    with transaction.atomic():
        customer = get_scoped(Customer.objects.select_for_update(), tenant, pk=customer_id)
        privacy.refuse_if_erased(customer)
        if customer.version != version:
            raise stale_version(customer.version)
        since = customer.known_since
        _apply(customer, tenant, changes)
        customer.version += 1
        customer.save()
        if customer.known_since != since:
            recompute_customer_tier(customer)
        if consent is not None and consent != customer.marketing_consent:
            _record_consent(customer, tenant, granted=consent, how=consent_how)
    warnings = (
        duplicate_warnings(tenant, mobile=customer.mobile, exclude_id=customer.pk)
        if "mobile" in changes
        else []
    )
    return Result(customer, warnings)


def _record_consent(
    customer: Customer, tenant: Tenant, *, granted: bool, how: str, notice_version: int | None = None
) -> None:
    from .privacy import consent_notice_fields

    now = timezone.now()
    ConsentEvent.objects.create(
        customer=customer, purpose="marketing", granted=granted, at=now, by=tenant.user, how=how[:100],
        **consent_notice_fields(customer.group_id, "marketing", notice_version),
    )  # fmt: skip
    customer.marketing_consent = granted
    customer.consent_changed_at = now
    customer.save(update_fields=["marketing_consent", "consent_changed_at"])


def consent_set(
    *, tenant: Tenant, customer_id: int, granted: bool, how: str = "", purpose: str = "marketing",
    notice_version: int | None = None,
) -> Customer:  # fmt: skip
    """Grant or withdraw consent for a purpose (PIPL), to the notice of `notice_version` (the one
    in force when None); each change is kept, with the notice's version and text hash. A grant of
    marketing consent already given is recorded again when it is to another version of the notice."""
    tenant.require(Perm.CUSTOMER_EDIT)
    with transaction.atomic():
        customer = get_scoped(Customer.objects.select_for_update(), tenant, pk=customer_id)
        privacy.refuse_if_erased(customer)
        if purpose != "marketing":
            privacy.consent_record_purpose(
                tenant=tenant, customer=customer, purpose=purpose, granted=granted, how=how,
                notice_version=notice_version,
            )  # fmt: skip
            return customer
        version = privacy.consent_notice_fields(customer.group_id, purpose, notice_version)["notice_version"]
        last = customer.consent_events.filter(purpose="marketing").order_by("-at", "-pk").first()
        if customer.marketing_consent != granted or (granted and last and last.notice_version != version):
            _record_consent(customer, tenant, granted=granted, how=how, notice_version=version)
    return customer


def consent_record(*, customer: Customer, granted: bool, how: str, by: User | None = None) -> Customer:
    """A grant or withdrawal of marketing consent that does not come from a member of staff's
    screen (the customer's SMS reply 退订, the unsubscribe link of an e-mail): kept as a
    ConsentEvent like consent_set's, `by` None when the customer did it."""
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=customer.pk)
        if customer.marketing_consent != granted or not customer.consent_events.exists():
            from .privacy import consent_notice_fields

            now = timezone.now()
            ConsentEvent.objects.create(
                customer=customer, purpose="marketing", granted=granted, at=now, by=by, how=how[:100],
                **consent_notice_fields(customer.group_id, "marketing"),
            )  # fmt: skip
            customer.marketing_consent = granted
            customer.consent_changed_at = now
            customer.save(update_fields=["marketing_consent", "consent_changed_at"])
    return customer


def contact_log(
    *, tenant: Tenant, customer_id: int, kind: str, summary: str, direction: str = "out", at=None
) -> CustomerContact:
    tenant.require(Perm.CONTACT_LOG)
    customer = get_scoped(Customer.objects, tenant, pk=customer_id)
    contact = CustomerContact(
        customer=customer, store=tenant.store, at=aware(at, tenant) or timezone.now(), kind=kind,
        direction=direction, summary=(summary or "").strip(), by=tenant.user,
    )  # fmt: skip
    errors = [] if contact.summary else [{"field": "summary", "message": _("Write what was said.")}]
    if contact.at > timezone.now() + timedelta(minutes=5):
        errors.append({"field": "at", "message": _("A contact cannot be in the future.")})
    full_clean(contact, exclude=("customer", "store", "by"), extra_errors=errors)
    contact.save()
    return contact


# Reading the customer list in bulk is an export (PIPL). A page is at most PAGE_MAX customers, and
# the first FREE_ROWS customers of a list or search (8 pages of the customer page's 25, 10 of the
# API's default 20) are browsing; anything beyond needs the export permission and is recorded.
PAGE_MAX = 50
FREE_ROWS = 200


def is_bulk_read(*, limit: int, offset: int) -> bool:
    return limit > PAGE_MAX or offset + limit > FREE_ROWS


def bulk_read_allow(*, tenant: Tenant, limit: int, offset: int) -> bool:
    """Whether a read of the customer list of `limit` rows from `offset` is a bulk read; raise
    Forbidden if it is and the role may not export. Record it with bulk_read_record."""
    if not is_bulk_read(limit=limit, offset=offset):
        return False
    if not tenant.can(Perm.CUSTOMER_EXPORT):
        raise Forbidden(
            _(
                "Reading more than %(page)s customers at a time, or beyond the first %(rows)s, is an "
                "export of personal data: your role may not export. Refine the search instead."
            )
            % {"page": PAGE_MAX, "rows": FREE_ROWS}
        )
    return True


def bulk_read_record(*, tenant: Tenant, query: str, rows: int) -> ExportRecord:
    """Record a bulk read of the customer list as exports are recorded: who, when, what, how many."""
    return ExportRecord.objects.create(
        group_id=tenant.group_id, store=tenant.store, user=tenant.user, username=tenant.user.get_username(),
        at=timezone.now(), what=ExportRecord.What.CUSTOMER_PAGES, row_count=rows, customer_count=rows,
        query=query[:300],
    )  # fmt: skip
