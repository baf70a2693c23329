"""Personal data (PIPL): the privacy notices customers agree to, a customer's data exported on
request, and erased on request. docs/security.md ("Personal data") says what is kept and how long.

Notices. Each dealer group has a versioned notice per purpose (service, marketing). Version 1 of
each is the default text below, created on first use; a group adds a new version when its text
changes (a version in force is never edited). Every ConsentEvent names the version agreed to and
the SHA-256 of its text.

Export (subject access, PIPL art. 45). One zip: `data.json` (every record held about the customer,
each with its field labels) with a Chinese README and the files (signatures, photos) attached to
those records. The records are found by walking the models: every model with a foreign key to
Customer (its rows of this customer), and the models hanging from those (their rows of those
records) unless they point at a customer themselves (then they are found directly, and only this
customer's). A new app's records are thus included without an edit here. A zip rather than an
xlsx: the records are of many kinds with nested values (JSON fields), the files belong with them,
and JSON is what another controller can read in (portability); the README explains it in Chinese.

Erasure (PIPL art. 47). The customer row stays (repair orders, settlements, warranty claims and
the vehicle file point at it and must be kept: 机动车维修档案, accounting records), with every
personal field emptied and the name replaced by 已删除客户 and a short id. On the records found as
for the export, the fields that identify or describe the person are emptied (see ERASE_*), their
signatures and delivery photos removed from storage, pending messages withheld and the audit
diffs of these records redacted. A customer with an open record (a repair order not delivered or
cancelled, an open complaint: any related model whose module declares OPEN_STATES) cannot be
erased until it is closed.
"""

import hashlib
import json
import logging
import sys
import tempfile
import zipfile
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from auditlog.models import LogEntry
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dms.core import events
from dms.core.audit import timeline_for
from dms.core.errors import Conflict, DomainError
from dms.core.models import Event
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped

from .models import (
    ConsentEvent,
    Customer,
    CustomerContact,
    ErasureRecord,
    ExportRecord,
    ImportJob,
    NoticeText,
    Purpose,
)

log = logging.getLogger(__name__)

# --- Notices -----------------------------------------------------------------------------------

# In force from the day PIPL came into force: the default is what every group told its customers.
DEFAULT_EFFECTIVE_FROM = datetime(2021, 11, 1, tzinfo=timezone.get_fixed_timezone(480))

DEFAULT_NOTICES = {
    Purpose.SERVICE: (
        "个人信息处理告知（售后服务）\n"
        "为给您的车辆提供预约、维修保养、结算、质保与三包服务，我们会收集并使用您的姓名、手机号、"
        "车辆信息（车架号、车牌、里程）、维修与结算记录，以及接车时的签名与车辆照片。\n"
        "我们用这些信息：联系您确认预约和维修进度、通知取车、提醒保养与年检、处理质保和保险理赔、"
        "回访服务质量。除厂家质保、保险理赔或法律法规要求外，我们不向第三方提供您的信息。\n"
        "维修与结算记录按法律法规要求保存；短信记录保存3年，车辆照片在工单结束后保存3年。\n"
        "您可以随时查阅、复制（导出）、更正您的信息，或要求删除法律允许删除的信息。"
        "请向本店服务顾问或客服提出，我们会在15个工作日内答复。"
    ),
    Purpose.MARKETING: (
        "个人信息处理告知（营销信息）\n"
        "经您同意，我们会通过短信、微信、电话或电子邮件向您发送本集团的优惠活动、新车与车主活动信息。"
        "为此我们会使用您的姓名、联系方式、车辆信息和到店记录，判断哪些活动可能适合您。\n"
        "不同意不影响您享受维修保养服务。您可以随时撤回同意：回复“退订”、点击邮件中的退订链接，"
        "或告诉本店工作人员；撤回后我们不再向您发送营销信息，撤回前已进行的处理不受影响。"
    ),
}


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def notices(group_id: int) -> dict[str, NoticeText]:
    """The notice in force for each purpose; the shipped default (version 1) is created the
    first time a group needs one."""
    return {p: current_notice(group_id, p) for p in Purpose.values}


def current_notice(group_id: int, purpose: str) -> NoticeText:
    now = timezone.now()
    found = (
        NoticeText.objects.filter(group_id=group_id, purpose=purpose, effective_from__lte=now)
        .order_by("-version")
        .first()
    )
    if found is not None:
        return found
    if NoticeText.objects.filter(group_id=group_id, purpose=purpose).exists():
        # Only future versions: the earliest one is the one the group meant from the start.
        return NoticeText.objects.filter(group_id=group_id, purpose=purpose).order_by("version").first()
    text = DEFAULT_NOTICES[Purpose(purpose)]
    try:
        with transaction.atomic():
            return NoticeText.objects.create(
                group_id=group_id, purpose=purpose, version=1, text=text, text_hash=text_hash(text),
                effective_from=DEFAULT_EFFECTIVE_FROM,
            )  # fmt: skip
    except IntegrityError:  # created meanwhile by another request
        return NoticeText.objects.get(group_id=group_id, purpose=purpose, version=1)


def notice_for(group_id: int, purpose: str, version: int | None) -> NoticeText:
    """The notice of `version` (the one in force when None); an unknown version is a field error."""
    if version is None:
        return current_notice(group_id, purpose)
    current_notice(group_id, purpose)  # the default exists before a version is looked up
    found = NoticeText.objects.filter(group_id=group_id, purpose=purpose, version=version).first()
    if found is None:
        raise DomainError(
            _("There is no version %(v)s of this privacy notice.") % {"v": version}, field="notice_version"
        )
    return found


def notice_add(*, tenant: Tenant, purpose: str, text: str, effective_from=None) -> NoticeText:
    """A new version of the group's notice for `purpose` (managers). Versions already in force
    are never changed: consents point at them."""
    tenant.require(Perm.CUSTOMER_IMPORT)
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write the text of the notice."), field="text")
    with transaction.atomic():
        current_notice(tenant.group_id, purpose)
        last = (
            NoticeText.objects.select_for_update()
            .filter(group_id=tenant.group_id, purpose=purpose)
            .order_by("-version")
            .first()
        )
        return NoticeText.objects.create(
            group_id=tenant.group_id, purpose=purpose, version=last.version + 1, text=text,
            text_hash=text_hash(text), effective_from=effective_from or timezone.now(),
        )  # fmt: skip


def consent_notice_fields(group_id: int, purpose: str, version: int | None = None) -> dict:
    """The fields of a ConsentEvent naming the notice agreed to."""
    notice = notice_for(group_id, purpose, version)
    return {"notice": notice, "notice_version": notice.version, "notice_hash": notice.text_hash}


def consent_record_purpose(
    *, tenant: Tenant | None, customer: Customer, purpose: str, granted: bool, how: str, notice_version=None
) -> ConsentEvent | None:
    """A grant or withdrawal for a purpose other than marketing (the service notice acknowledged):
    recorded when it differs from the last one (answer or notice version). Marketing consent goes
    through services.consent_set, which keeps Customer.marketing_consent. `tenant` None: the
    customer agreed on a public page themselves (no member of staff took it)."""
    fields = consent_notice_fields(customer.group_id, purpose, notice_version)
    last = customer.consent_events.filter(purpose=purpose).order_by("-at", "-pk").first()
    if last is not None and last.granted == granted and last.notice_version == fields["notice_version"]:
        return None
    return ConsentEvent.objects.create(
        customer=customer, purpose=purpose, granted=granted, at=timezone.now(),
        by=tenant.user if tenant is not None else None, how=(how or "")[:100], **fields,
    )  # fmt: skip


# --- Finding everything held about a customer ----------------------------------------------------


def _customer_fks(model) -> list[models.ForeignKey]:
    """The model's foreign keys to Customer that say whose record it is. With several (a lead's
    customer and referrer), only `customer`: the others point at someone else's record."""
    fks = [
        f
        for f in model._meta.concrete_fields
        if f.is_relation and f.related_model is Customer and (f.many_to_one or f.one_to_one)
    ]
    if len(fks) > 1:
        fks = [f for f in fks if f.name == "customer"]
    return fks


def direct_models() -> list[tuple[type[models.Model], list[models.ForeignKey]]]:
    out = []
    for model in apps.get_models():
        if model is Customer or model is ErasureRecord:
            continue
        fks = _customer_fks(model)
        if fks:
            out.append((model, fks))
    return out


def child_models(parents) -> list[tuple[type[models.Model], models.ForeignKey, type[models.Model]]]:
    """(child, its key, parent) for models hanging from `parents` that do not point at a customer
    themselves (those are found directly, with only this customer's rows)."""
    parent_set = set(parents)
    out = []
    for model in apps.get_models():
        if model in parent_set or model is Customer or _customer_fks(model):
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation and (f.many_to_one or f.one_to_one) and f.related_model in parent_set:
                out.append((model, f, f.related_model))
    return out


def records_of(customer: Customer) -> dict[type[models.Model], models.QuerySet]:
    """Every record held about the customer, by model (the Customer row itself included)."""
    found: dict[type[models.Model], models.QuerySet] = {Customer: Customer.objects.filter(pk=customer.pk)}
    direct = direct_models()
    for model, fks in direct:
        q = Q()
        for f in fks:
            q |= Q(**{f.name: customer.pk})
        found[model] = model._default_manager.filter(q)
    children: dict[type[models.Model], Q] = {}
    for model, fk, parent in child_models([m for m, _fks in direct]):
        children[model] = children.get(model, Q()) | Q(**{f"{fk.name}__in": found[parent].values("pk")})
    for model, q in children.items():
        found[model] = model._default_manager.filter(q)
    return found


# --- Where the customer is named without a key to them ---------------------------------------------
# Found by what identifies the person (their name, mobile, WeChat, e-mail, as on file before an
# erasure), not by a foreign key:
# - the event log: the events of their records (subject) or naming them (payload customer_id). A
#   webhook delivery's body is its event, read when it is sent: scrubbing the event scrubs every
#   delivery of it, still to be made or made again; the delivery rows stay (what was pushed, when);
# - the import jobs' error lists: a rejected row's message quotes a name or a mobile;
# - what apps above register (register_mentions): messaging, the texts to another customer's file
#   that quote the person's mobile or e-mail.

CONTACT_FIELDS = ("mobile", "phone", "phone2", "wechat", "wechat_openid", "email", "id_number", "licence_no")
MIN_NAME, MIN_CONTACT = 2, 5  # shorter values would match other people's text
# Free text in an event's payload about the person's records (a cancellation's reason): emptied whole.
FREE_TEXT_KEYS = {"reason", "note", "notes", "summary", "comment", "body", "text", "needs_note"}

MentionFinder = Callable[..., models.QuerySet]
_mention_finders: list[MentionFinder] = []


def register_mentions(find: MentionFinder) -> None:
    """`find(customer, *, names, contacts)` answers the rows of an app above that quote the person
    outside their own records (AppConfig.ready). The export lists them, erasure scrubs them: every
    text field's quotes of the person replaced, JSON values too."""
    if find not in _mention_finders:
        _mention_finders.append(find)


def identifiers(customer: Customer, found: dict) -> tuple[list[str], list[str]]:
    """(names, contacts) identifying the person: the customer's, and those of their records that
    describe a person (a lead: name and mobile). Longest first (a name inside another is replaced whole)."""
    names = {customer.name}
    contacts = {customer.mobile, customer.phone2, customer.wechat, customer.email}
    for model, qs in found.items():
        fields = {f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField)}
        wanted = [f for f in CONTACT_FIELDS if f in fields]
        if model is Customer or not wanted:
            continue
        person = "name" in fields and "mobile" in fields  # a record of a person, not of a thing
        for row in qs.values_list(*wanted, *(["name"] if person else [])):
            contacts.update(row[: len(wanted)])
            if person:
                names.add(row[-1])
    names = {n.strip() for n in names if n and len(n.strip()) >= MIN_NAME}
    contacts = {c.strip() for c in contacts if c and len(c.strip()) >= MIN_CONTACT}
    return sorted(names, key=len, reverse=True), sorted(contacts, key=len, reverse=True)


def _event_name(model) -> str:
    return getattr(model, "event_name", None) or model._meta.model_name  # as events.subject_name


def events_about(customer: Customer, found: dict) -> models.QuerySet:
    """The group's events whose subject is one of the customer's records or that name the customer."""
    group = Event.objects.filter(group_id=customer.group_id)
    subjects = set(group.exclude(subject_type="").values_list("subject_type", flat=True).distinct())
    q = Q(payload__customer_id=customer.pk)
    for model, qs in found.items():
        if _event_name(model) in subjects:
            q |= Q(subject_type=_event_name(model), subject_id__in=qs.values("pk"))
    return group.filter(q)


def _quotes(value, ids: list[str]) -> bool:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return any(i in text for i in ids)


def import_jobs_naming(customer: Customer, *, names: list[str], contacts: list[str]) -> models.QuerySet:
    """The group's imports whose error list quotes the person (read in Python: the JSON is stored
    escaped on SQLite, a substring search in SQL would miss a Chinese name)."""
    ids = names + contacts
    jobs = ImportJob.objects.filter(group_id=customer.group_id, error_rows__gt=0).only("pk", "errors")
    pks = [job.pk for job in jobs.iterator() if ids and _quotes(job.errors, ids)]
    return ImportJob.objects.filter(pk__in=pks)


register_mentions(import_jobs_naming)


def purge_import_errors(cutoff: datetime) -> int:
    """Retention (dms/core/retention.py): imports started before `cutoff` lose their error lists
    (rows quoting names and mobiles) and their upload if it is still there; the counts stay."""
    from dms.core.retention import remove_files

    files = remove_files(lambda c: ImportJob.objects.filter(created_at__lt=c), "file")(cutoff)
    return files + ImportJob.objects.filter(created_at__lt=cutoff).exclude(errors=[]).update(errors=[])


def mentions(customer: Customer, names: list[str], contacts: list[str]) -> list[models.QuerySet]:
    return [find(customer, names=names, contacts=contacts) for find in _mention_finders]


def _scrub(value, ids: list[str], *, free_text: frozenset | set = frozenset()):
    """`value` without the person: their names and contacts replaced in every text; a text under a
    key of `free_text` (a dict's) emptied whole."""
    if isinstance(value, dict):
        return {
            k: REDACTED
            if k in free_text and isinstance(v, str) and v
            else _scrub(v, ids, free_text=free_text)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub(v, ids, free_text=free_text) for v in value]
    if isinstance(value, str):
        for i in ids:
            value = value.replace(i, REDACTED)
    return value


# --- Export ----------------------------------------------------------------------------------------

SKIPPED_FIELDS = ("token", "secret", "password")  # never exported: credentials, not personal data
MAX_FILE_BYTES = 100 * 1024 * 1024  # files attached to one export, at most; beyond, listed only


def _value(field, value):
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(field, models.FileField):
        return value.name if value else ""
    return value


def _label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def _row(obj, fields) -> dict:
    return {f.name: _value(f, getattr(obj, f.attname if f.is_relation else f.name)) for f in fields}


def export_write(*, tenant: Tenant, customer_id: int, out) -> ExportRecord:
    """Write everything held about the customer to `out` (a zip) and record the export."""
    customer = get_scoped(Customer.objects, tenant, pk=customer_id)
    tenant.require(Perm.CUSTOMER_EXPORT)
    now = timezone.now()
    rows_total = 0
    files_bytes = 0
    records = {}
    found = records_of(customer)
    names, contacts = identifiers(customer, found)
    # The notices the customer agreed to, word for word (the consents name them by version).
    found[NoticeText] = NoticeText.objects.filter(pk__in=found[ConsentEvent].values("notice_id"))
    # The event log's entries about them, and the webhook deliveries of those (their bodies).
    about = events_about(customer, found)
    found[Event] = about
    for child, fk, _parent in child_models([Event]):
        found[child] = child._default_manager.filter(**{f"{fk.name}__in": about.values("pk")})
    with translation.override("zh-hans"), zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for model, qs in found.items():
            fields = [f for f in model._meta.concrete_fields if not any(s in f.name for s in SKIPPED_FIELDS)]
            rows = []
            for obj in qs.order_by("pk").iterator(chunk_size=500):
                row = _row(obj, fields)
                for f in fields:
                    if isinstance(f, models.FileField) and row[f.name]:
                        name = f"files/{_label(model)}/{obj.pk}/{row[f.name].rsplit('/', 1)[-1]}"
                        try:
                            size = f.storage.size(row[f.name])
                            if files_bytes + size <= MAX_FILE_BYTES:
                                with f.storage.open(row[f.name], "rb") as fh:
                                    z.writestr(name, fh.read())
                                files_bytes += size
                                row[f.name] = name
                        except OSError:  # the file is gone (removed by retention): the name stays
                            pass
                rows.append(row)
            if not rows:
                continue
            rows_total += len(rows)
            records[_label(model)] = {
                "label": str(model._meta.verbose_name_plural),
                "fields": {f.name: str(f.verbose_name) for f in fields},
                "rows": rows,
            }
        for model, rows in _quoting(customer, names, contacts).items():
            rows_total += len(rows)
            records[f"{_label(model)}#quoting"] = {
                "label": _("Other records quoting them: %(records)s")
                % {"records": model._meta.verbose_name_plural},
                "fields": {f.name: str(f.verbose_name) for f in model._meta.concrete_fields},
                "rows": rows,
            }
        history = timeline_for(customer, related=list(customer.vehicles.all()), limit=1000)
        document = {
            "generated_at": timezone.localtime(now).isoformat(),
            "dealer_group": str(tenant.store.group),
            "customer_id": customer.pk,
            "records": records,
            "history": [{**h, "at": _value(None, h["at"])} for h in history],
        }
        z.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=1, default=str))
        z.writestr("说明.txt", _readme(tenant, customer, now, records))
    return ExportRecord.objects.create(
        group_id=tenant.group_id, store=tenant.store, user=tenant.user, username=tenant.user.get_username(),
        at=now, what=ExportRecord.What.SUBJECT_ACCESS, row_count=rows_total, customer_count=1,
        query=f"customer {customer.pk}",
    )  # fmt: skip


def _quoting(
    customer: Customer, names: list[str], contacts: list[str]
) -> dict[type[models.Model], list[dict]]:
    """The rows quoting the person outside their records (see mentions), each with its id, its time
    and only the values that quote them (of a list, such as an import's errors, only those entries)."""
    ids = names + contacts
    out: dict[type[models.Model], list[dict]] = {}
    for qs in mentions(customer, names, contacts):
        fields = [f for f in qs.model._meta.concrete_fields if not any(s in f.name for s in SKIPPED_FIELDS)]
        for obj in qs.order_by("pk").iterator(chunk_size=500):
            row = {"id": obj.pk}
            for f in fields:
                value = getattr(obj, f.attname)
                if isinstance(value, list):
                    value = [v for v in value if _quotes(v, ids)]
                if f.name in ("created_at", "at") or (isinstance(value, str | list | dict) and value
                                                      and _quotes(value, ids)):  # fmt: skip
                    row[f.name] = _value(f, value)
            out.setdefault(qs.model, []).append(row)
    return out


def _readme(tenant, customer, now, records) -> str:
    lines = [
        f"{tenant.store.group} 持有的客户个人信息副本（编号 {customer.pk}）",
        f"生成时间：{timezone.localtime(now):%Y-%m-%d %H:%M}",
        "",
        "data.json 包含我们保存的关于您的全部记录，按类别分组：每类有名称（label）、"
        "字段说明（fields）和记录（rows）；history 为档案的修改记录。files/ 目录下是记录所附的文件"
        "（如签名、照片）。",
        "",
        "包含的类别：",
        *(f"- {r['label']}：{len(r['rows'])} 条" for r in records.values()),
    ]
    return "\n".join(lines) + "\n"


def export_file(*, tenant: Tenant, customer_id: int):
    """(a temporary file holding the zip, its file name, the ExportRecord)."""
    out = tempfile.TemporaryFile()  # noqa: SIM115  (the response closes it, which removes it)
    record = export_write(tenant=tenant, customer_id=customer_id, out=out)
    out.seek(0)
    name = f"customer-{customer_id}-{timezone.localdate():%Y%m%d}.zip"
    return out, name, record


# --- Erasure ---------------------------------------------------------------------------------------

ERASED_NAME = "已删除客户"
REDACTED = "[已删除]"
# Fields emptied on the records found directly (their FK names the customer). Notes are emptied
# there: they are about the person. The repair order's own fields (the complaint as described,
# the work, the money) are the repair record and stay.
ERASE_TEXT = {
    "name", "mobile", "phone", "phone2", "wechat", "wechat_openid", "email", "address", "id_number",
    "licence_no", "note", "notes", "needs_note", "family", "customer_confirmation", "valuables",
}  # fmt: skip
ERASE_BODY = {"body"}  # message texts: kept as a row (what was sent when), without the words
ERASE_JSON = {"params"}
ERASE_DATE = {"birthday"}
ERASE_FILES = {"signature", "delivery_photo"}  # the person's hand and face: removed from storage
# On records hanging from those (a lead's test drives), only what identifies the person.
ERASE_CHILD_TEXT = {"mobile", "phone", "wechat", "email", "address", "id_number", "licence_no"}
PENDING = ("queued", "scheduled")  # a message not yet sent is withheld


def _open_states(model) -> list[str]:
    """The states in which a record of `model` is still open: its module's OPEN_STATES, else the
    states of a unique constraint conditioned on the state (one open lead per mobile: while open,
    the record is the person's live business, and emptying its mobile would collide)."""
    if "state" not in {f.name for f in model._meta.concrete_fields}:
        return []
    states = getattr(sys.modules.get(model.__module__), "OPEN_STATES", None)
    if states:
        return list(states)
    for constraint in model._meta.constraints:
        condition = getattr(constraint, "condition", None)
        if isinstance(constraint, models.UniqueConstraint) and condition is not None:
            for child in condition.children:
                if isinstance(child, tuple) and child[0] == "state__in":
                    return list(child[1])
    return []


def open_records(customer: Customer) -> list[str]:
    """The customer's records still open (see _open_states): a repair order, a complaint case, a lead."""
    out = []
    for model, qs in records_of(customer).items():
        states = _open_states(model)
        if not states:
            continue
        for obj in qs.filter(state__in=list(states))[:5]:
            out.append(f"{model._meta.verbose_name} {getattr(obj, 'number', '') or obj.pk}")
    return out


def erased_name(customer: Customer) -> str:
    return f"{ERASED_NAME} {str(customer.pk)[-6:]}"


def is_erased(customer: Customer) -> bool:
    return ErasureRecord.objects.filter(customer_id=customer.pk).exists()


def refuse_if_erased(customer: Customer) -> None:
    """An erased customer's file takes no new personal data (it would identify them again): a
    customer who comes back is opened as a new file."""
    if is_erased(customer):
        raise Conflict(
            _("This customer's personal data was erased at their request: open a new customer file instead.")
        )


def _blank(field):
    return None if field.null and not isinstance(field, (models.CharField, models.TextField)) else ""


def erase(*, tenant: Tenant, customer_id: int, reason: str) -> ErasureRecord:
    """Erase the customer's personal data (irreversible); see the module doc."""
    customer = get_scoped(Customer.objects, tenant, pk=customer_id)
    tenant.require(Perm.CUSTOMER_ERASE)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Say why the data is erased (e.g. the customer's request of date)."), field="reason"
        )
    files: list[tuple] = []
    counts: dict[str, int] = {}
    with transaction.atomic():
        customer = get_scoped(Customer.objects.select_for_update(), tenant, pk=customer_id)
        if is_erased(customer):
            raise Conflict(_("This customer's personal data has already been erased."))
        still_open = open_records(customer)
        if still_open:
            raise Conflict(
                _("Close the customer's open records first (%(records)s): the repair must be finished "
                  "and handed over before the person can be erased.") % {"records": "、".join(still_open)}
            )  # fmt: skip
        found = records_of(customer)
        who = identifiers(customer, found)  # (names, contacts), before their records are emptied
        direct = {m for m, _fks in direct_models()}
        audited: dict[type[models.Model], list[str]] = {}
        for model, qs in found.items():
            if model is Customer:
                continue
            fields = model._meta.concrete_fields
            names = {f.name for f in fields}
            changes: dict = {}
            if model is CustomerContact:
                changes["summary"] = ""
            for f in fields:
                if model in direct:
                    if f.name == "name" and isinstance(f, models.CharField):
                        changes[f.name] = erased_name(customer)[: f.max_length]
                    elif f.name in ERASE_TEXT and isinstance(f, (models.CharField, models.TextField)):
                        changes[f.name] = _blank(f)
                    elif f.name in ERASE_BODY:
                        changes[f.name] = REDACTED
                    elif f.name in ERASE_JSON and isinstance(f, models.JSONField):
                        changes[f.name] = {}
                    elif f.name in ERASE_DATE:
                        changes[f.name] = None
                    elif f.name in ERASE_FILES and isinstance(f, models.FileField):
                        files += [
                            (f.storage, n) for n in qs.exclude(**{f.name: ""}).values_list(f.name, flat=True)
                        ]
                        changes[f.name] = ""
                elif f.name in ERASE_CHILD_TEXT and isinstance(f, (models.CharField, models.TextField)):
                    changes[f.name] = _blank(f)
            touched = 0
            if changes:
                touched = qs.update(**changes)
            if "state" in names and "reason" in names and model in direct:
                state = model._meta.get_field("state")
                if {"suppressed", *PENDING} <= {c for c, _l in state.choices or ()}:
                    qs.filter(state__in=PENDING).update(state="suppressed", reason="customer erased")
            if touched:
                counts[_label(model)] = touched
            audited[model] = [str(pk) for pk in qs.values_list("pk", flat=True)]
        counts.update(_scrub_elsewhere(customer, found, *who))
        Customer.objects.filter(pk=customer.pk).update(
            name=erased_name(customer), title="", mobile="", phone2="", wechat="", email="", address="",
            birthday=None, notes="", occupation="", region="", behaviour_type="", marketing_consent=False,
            consent_changed_at=timezone.now(), name_pinyin="", name_initials="", name_tail="", mobile_tail="",
            version=customer.version + 1,
        )  # fmt: skip
        counts["customers.Customer"] = 1
        audited[Customer] = [str(customer.pk)]
        counts["auditlog.LogEntry"] = _redact_audit(audited, customer)
        record = ErasureRecord.objects.create(
            group_id=tenant.group_id, store=tenant.store, customer=customer, user=tenant.user,
            username=tenant.user.get_username(), at=timezone.now(), reason=reason[:300], counts=counts,
        )  # fmt: skip
        events.publish(
            type="customer.erased", store=tenant.store, subject=customer, actor=tenant.user,
            payload={"customer_id": customer.pk},
        )  # fmt: skip

        def remove_files():
            for storage, name in files:
                try:
                    storage.delete(name)
                except OSError:
                    log.warning("Could not remove an erased customer's file")

        transaction.on_commit(remove_files)
    return record


def _scrub_elsewhere(
    customer: Customer, found: dict, names: list[str], contacts: list[str]
) -> dict[str, int]:
    """The person out of the event log's entries about them (so out of every webhook delivery's
    body) and out of the rows quoting them (see mentions). The rows stay."""
    ids = names + contacts
    counts: dict[str, int] = {}
    free_text = FREE_TEXT_KEYS | ERASE_TEXT
    scrubbed = 0
    for event in events_about(customer, found).only("pk", "payload").iterator():
        payload = _scrub(event.payload, ids, free_text=free_text)
        if payload != event.payload:
            Event.objects.filter(pk=event.pk).update(payload=payload)
            scrubbed += 1
    if scrubbed:
        counts["core.Event"] = scrubbed
    if not ids:
        return counts
    for qs in mentions(customer, names, contacts):
        model = qs.model
        fields = [
            f for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField) and not f.is_relation
        ]  # fmt: skip
        touched = 0
        for obj in qs.iterator():
            changes = {}
            for f in fields:
                value = getattr(obj, f.attname)
                new = _scrub(value, ids)
                if new != value:
                    changes[f.attname] = new[: f.max_length] if isinstance(new, str) and f.max_length else new
            if changes:
                model._default_manager.filter(pk=obj.pk).update(**changes)
                touched += 1
        if touched:
            key = f"{_label(model)}#quoting"
            counts[key] = counts.get(key, 0) + touched
    return counts


def _redact_audit(audited: dict, customer: Customer) -> int:
    """Redact the audit entries of the erased records: the customer's own entirely, the others'
    personal fields. Who changed what, and when, stays."""
    personal = ERASE_TEXT | ERASE_BODY | ERASE_JSON | ERASE_DATE | ERASE_FILES | {"summary"}
    n = 0
    for model, pks in audited.items():
        if not pks:
            continue
        ct = ContentType.objects.get_for_model(model)
        for entry in LogEntry.objects.filter(content_type=ct, object_pk__in=pks).iterator():
            changes = entry.changes if isinstance(entry.changes, dict) else {}
            if model is Customer:
                changes = {k: [REDACTED, REDACTED] for k in changes}
                entry.object_repr = erased_name(customer)
            else:
                changes = {k: [REDACTED, REDACTED] if k in personal else v for k, v in changes.items()}
                if model is CustomerContact or "name" in {f.name for f in model._meta.concrete_fields}:
                    entry.object_repr = REDACTED  # a contact's text, a lead's name
                for old in (customer.name, customer.mobile):  # a vehicle's ownership names its owner
                    if old and old in entry.object_repr:
                        entry.object_repr = entry.object_repr.replace(old, REDACTED)
            entry.changes = changes
            entry.changes_text = ""
            entry.serialized_data = None
            entry.additional_data = None
            entry.save(
                update_fields=["changes", "changes_text", "serialized_data", "additional_data", "object_repr"]
            )
            n += 1
    return n
