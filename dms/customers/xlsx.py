"""Customers and vehicles to and from .xlsx (openpyxl).

The file: the first sheet, a header row, then one row per vehicle. A customer without vehicles is
one row with the vehicle columns empty; a customer with two vehicles is two rows repeating the
customer's columns. Headers are the Chinese names of COLUMNS (the English ones are recognised too,
in any order; unknown columns are ignored). Choice columns hold the Chinese label or the code, dates
are date cells or text such as 2024-03-15. Export writes exactly what import reads.

Import runs in the background (tasks.import_customers). Every row goes through the same services
as the pages (customer_create, vehicle_create) in its own transaction: a bad row changes nothing,
the good rows are kept. A customer already on file (same name and mobile in the group) is reused,
not duplicated; a VIN already on file is an error for its row. Errors name the spreadsheet row,
the column and the reason.

Every export is recorded as an ExportRecord (PIPL): who, when, from which store, how many rows.
"""

import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

import openpyxl
from auditlog.context import set_actor
from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils.datetime import from_excel

from dms.core.errors import DomainError
from dms.core.models import Brand, Store, User
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, resolve_tenant
from dms.vehicles.models import Energy, Usage, Vehicle
from dms.vehicles.rules import normalize_vin, validate_plate, validate_vin, vin_check_digit
from dms.vehicles.services import vehicle_create

from .models import (
    BehaviourType,
    Channel,
    Customer,
    ExportRecord,
    ImportJob,
    PreferredTime,
    Source,
    Title,
)
from .rules import validate_mobile
from .services import customer_create

logger = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# The archive inside an .xlsx, checked from its directory before openpyxl opens anything (openpyxl
# expands every shared string: a few KB of zip can hold hundreds of MB of text). zipfile never
# inflates a member past the size its directory declares, so these numbers bound the work.
MAX_UNCOMPRESSED = 50 * 1024 * 1024  # all members together
MAX_RATIO = 100  # uncompressed / compressed, for a member over RATIO_FROM bytes
RATIO_FROM = 1024 * 1024
MAX_MEMBERS = 2000
PROGRESS_EVERY = 100  # rows between two progress updates of the job
MAX_LISTED_ERRORS = 1000  # errors kept on the job; the count of bad rows is always exact
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE = "客户车辆"


@dataclass(frozen=True)
class Column:
    key: str  # the services' field name (brand: the brand's name)
    header: str  # written on export, in Chinese whatever the user's language: it is the file format
    english: str
    kind: str = "text"  # text, date, choice, bool, km, brand
    vehicle: bool = False
    aliases: tuple[str, ...] = ()
    width: int = 12


COLUMNS = (
    Column("name", "姓名", "Name", aliases=("客户姓名", "客户名称", "customer name"), width=10),
    Column("title", "称呼", "Title", "choice", aliases=("salutation",), width=6),
    Column("mobile", "手机", "Mobile", aliases=("手机号", "手机号码", "移动电话", "mobile phone")),
    Column("phone2", "其他电话", "Other phone", aliases=("电话", "固定电话", "phone 2")),
    Column("wechat", "微信", "WeChat", aliases=("微信号", "wechat id")),
    Column("email", "邮箱", "E-mail", aliases=("电子邮箱", "电子邮件", "email"), width=20),
    Column("region", "地区", "Region", aliases=("区域",)),
    Column("address", "地址", "Address", aliases=("联系地址",), width=24),
    Column("source", "来源", "Source", "choice", aliases=("客户来源",), width=8),
    Column("birthday", "生日", "Birthday", "date", aliases=("出生日期", "date of birth")),
    Column("marketing_consent", "营销同意", "Marketing consent", "bool", aliases=("consent",), width=9),
    Column("occupation", "职业", "Occupation", aliases=("工作",)),
    Column("preferred_channel", "联系方式", "Preferred channel", "choice", aliases=("首选联系方式", "preferred contact"), width=8),
    Column("preferred_time", "联系时间", "Preferred time", "choice", aliases=("方便联系时间",), width=8),
    Column("behaviour_type", "性格类型", "Behaviour type", "choice", aliases=("行为类型", "behavior type"), width=8),
    Column("known_since", "客户起始日期", "Customer since", "date", aliases=("建档日期", "首次到店日期", "known since")),
    Column("customer_manager", "客户经理", "Customer manager", "manager", aliases=("专属客户经理",)),
    Column("notes", "备注", "Notes", aliases=("客户备注",), width=24),
    Column("vin", "VIN", "VIN", vehicle=True, aliases=("车架号", "车辆识别代号", "vin码"), width=20),
    Column("plate", "车牌", "Plate", vehicle=True, aliases=("车牌号", "车牌号码", "number plate"), width=10),
    Column("brand", "品牌", "Brand", "brand", vehicle=True),
    Column("model", "车型", "Model", vehicle=True),
    Column("trim", "配置", "Trim", vehicle=True, aliases=("版本",)),
    Column("colour", "颜色", "Colour", vehicle=True, aliases=("车身颜色", "color"), width=8),
    Column("engine_no", "发动机号", "Engine number", vehicle=True, aliases=("发动机号码", "engine no")),
    Column("energy", "能源", "Energy", "choice", vehicle=True, aliases=("能源类型", "燃料", "fuel"), width=8),
    Column("purchase_date", "购车日期", "Purchase date", "date", vehicle=True, aliases=("开票日期",)),
    Column("registration_date", "上牌日期", "Registration date", "date", vehicle=True, aliases=("注册日期",)),
    Column("usage", "用途", "Usage", "choice", vehicle=True, aliases=("使用性质",), width=8),
    Column("mileage_km", "里程(km)", "Mileage (km)", "km", vehicle=True, aliases=("里程", "行驶里程", "公里数", "mileage")),
    Column("insurance_company", "保险公司", "Insurer", vehicle=True, aliases=("insurance company",)),
    Column("insurance_policy_no", "保单号", "Insurance policy number", vehicle=True, aliases=("保单号码", "policy number"), width=16),
    Column("insurance_expiry", "保险到期", "Insurance expires", "date", vehicle=True, aliases=("保险到期日", "insurance expiry")),
    Column("inspection_due", "年检到期", "Annual inspection due", "date", vehicle=True, aliases=("年检到期日", "inspection due")),
    Column("selling_store", "销售门店", "Sold by store", "store", vehicle=True, aliases=("销售店", "sold by")),
    Column("vehicle_notes", "车辆备注", "Vehicle notes", vehicle=True, width=24),
)  # fmt: skip
BY_KEY = {c.key: c for c in COLUMNS}
REQUIRED = ("name", "mobile")
REQUIRED_WITH_VEHICLES = ("vin", "brand", "model")

# Chinese labels of the choice columns, fixed here because they are part of the file format (the
# interface's labels follow the user's language and the catalogue; those are accepted too).
CHOICE_CLASSES = {
    "title": Title, "source": Source, "preferred_channel": Channel, "preferred_time": PreferredTime,
    "behaviour_type": BehaviourType, "energy": Energy, "usage": Usage,
}  # fmt: skip
CHOICE_LABELS = {
    "title": {"mr": "先生", "ms": "女士"},
    "source": {
        "walk_in": "到店", "phone": "电话", "web": "网络", "event": "活动", "referral": "转介绍",
        "sale": "本店购车", "import": "导入", "other": "其他",
    },
    "preferred_channel": {"phone": "电话", "sms": "短信", "wechat": "微信", "email": "邮件"},
    "preferred_time": {"any": "任意时间", "morning": "上午", "noon": "中午", "afternoon": "下午", "evening": "晚上"},
    "behaviour_type": {"dominant": "主导型", "analytical": "分析型", "social": "社交型"},
    "energy": {"petrol": "汽油", "diesel": "柴油", "hybrid": "混动", "phev": "插电混动", "bev": "纯电动"},
    "usage": {"private": "私家车", "company": "公司车", "commercial": "营运车"},
}  # fmt: skip
CHOICE_SYNONYMS = {
    "title": {"男": "mr", "女": "ms", "mr.": "mr", "ms.": "ms", "mrs": "ms", "mrs.": "ms", "miss": "ms"},
    "source": {"自然到店": "walk_in", "线上": "web", "介绍": "referral", "购车": "sale"},
    "preferred_channel": {"手机": "phone", "打电话": "phone", "信息": "sms", "微信消息": "wechat", "电子邮件": "email"},
    "preferred_time": {"随时": "any", "不限": "any", "早上": "morning", "午间": "noon", "傍晚": "evening"},
    "behaviour_type": {"主导": "dominant", "分析": "analytical", "社交": "social"},
    "energy": {
        "油车": "petrol", "混合动力": "hybrid", "油电混合": "hybrid", "hev": "hybrid", "插混": "phev",
        "纯电": "bev", "电动": "bev", "ev": "bev",
    },
    "usage": {"私人": "private", "家用": "private", "非营运": "private", "单位": "company", "营运": "commercial"},
}  # fmt: skip
YES = {"是", "y", "yes", "true", "1", "同意", "√", "✓", "有"}
NO = {"否", "n", "no", "false", "0", "不同意", "×", "无"}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def _norm(value) -> str:
    """A header or choice as compared: full-width folded, lower case, no spaces or required-marks."""
    text = unicodedata.normalize("NFKC", str(value)).lower()
    return re.sub(r"[\s*:]", "", _INVISIBLE.sub("", text))


_HEADERS = {_norm(name): c for c in COLUMNS for name in (c.header, c.english, c.key, *c.aliases)}


# --- Reading ---------------------------------------------------------------------------------------


class CellError(Exception):
    pass


class RowRejected(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__(errors)
        self.errors = errors


def _file_error(message) -> DomainError:
    return DomainError(message, field="file")


def check_file(fileobj) -> None:
    """Refuse what is not an .xlsx, or an archive that would expand too far, without opening it as a
    workbook (only the zip directory is read): DomainError on `file` saying why."""
    head = fileobj.read(8)
    fileobj.seek(0)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(
            _("This is an old Excel .xls file or a password-protected workbook. Open it in Excel, "
              "save it as “Excel Workbook (*.xlsx)” without a password and upload that.")
        )  # fmt: skip
    if not head.startswith(b"PK\x03\x04"):
        raise _file_error(
            _(
                "This is not an Excel .xlsx file. Upload a workbook saved as .xlsx; the template shows the format."
            )
        )
    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _file_error(_("This file could not be read as an Excel workbook: it may be damaged.")) from None
    finally:
        fileobj.seek(0)
    total = sum(m.file_size for m in members)
    inflated = any(
        m.file_size > RATIO_FROM and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members
    )
    if len(members) > MAX_MEMBERS or total > MAX_UNCOMPRESSED or inflated:
        raise _file_error(
            _(
                "This workbook unpacks to far more data than a customer list holds (over %(max)d MB, "
                "or packed unusually tightly), so it is not read. Save the sheet again in Excel as .xlsx, "
                "or split it into smaller files."
            )
            % {"max": MAX_UNCOMPRESSED // 1024 // 1024}
        )


def open_sheet(fileobj):
    """The workbook and its first sheet, read-only; DomainError on `file` saying why it cannot be read."""
    check_file(fileobj)
    try:
        workbook = openpyxl.load_workbook(fileobj, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception:  # a damaged archive, a .docx renamed, a workbook of chart sheets only …
        raise _file_error(_("This file could not be read as an Excel workbook: it may be damaged.")) from None
    sheet.reset_dimensions()  # some programs write a wrong size; read what is there
    return workbook, sheet


@dataclass
class Layout:
    """Where each known column is in the file: key -> (index in the row, header as written)."""

    at: dict[str, tuple[int, str]]

    @property
    def has_vehicles(self) -> bool:
        return any(BY_KEY[k].vehicle for k in self.at)

    def position(self, field: str | None) -> int:
        key = "brand" if field == "brand_id" else field
        return self.at[key][0] if key in self.at else len(COLUMNS) + len(self.at)

    def column_name(self, field: str | None) -> str:
        key = "brand" if field == "brand_id" else field
        return self.at[key][1] if key in self.at else ""


def read_layout(header_row) -> Layout:
    at: dict[str, tuple[int, str]] = {}
    for index, raw in enumerate(header_row or ()):
        if raw is None or not str(raw).strip():
            continue
        column = _HEADERS.get(_norm(raw))
        if column is None:
            continue
        if column.key in at:
            raise _file_error(
                _("The columns %(a)s and %(b)s are the same; keep one of them.")
                % {"a": at[column.key][1], "b": str(raw).strip()}
            )
        at[column.key] = (index, str(raw).strip())
    layout = Layout(at)
    required = REQUIRED + (REQUIRED_WITH_VEHICLES if layout.has_vehicles else ())
    missing = [BY_KEY[k].header for k in required if k not in at]
    if missing:
        raise _file_error(
            _(
                "The first row must hold the column names; missing: %(names)s. Download the template to see the format."
            )
            % {"names": "、".join(missing)}
        )
    return layout


def _data_rows(sheet):
    """(spreadsheet row number, values) of each non-blank row after the header."""
    for number, values in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        if any(not _blank(v) for v in values):
            yield number, values


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not _INVISIBLE.sub("", value).strip())


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 13812345678 typed into a number cell
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return _INVISIBLE.sub("", str(value)).strip()


def _date(value) -> date | None:
    if _blank(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < 2958466:
        return from_excel(value).date()  # a date cell without a date format: Excel's day number
    text = re.split(r"[\sT]", _text(value))[0]
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(_("%(value)s is not a date; write it as 2024-03-15.") % {"value": _text(value)})


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = _norm(_text(value))
    if text in YES:
        return True
    if not text or text in NO:
        return False
    raise CellError(_("Write 是 or 否 (yes or no); found %(value)s.") % {"value": _text(value)})


def _km(value) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = re.sub(r"[\s,，]", "", _text(value)).lower().removesuffix("km").removesuffix("公里")
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    raise CellError(_("Mileage is a whole number of km; found %(value)s.") % {"value": _text(value)})


class Lookups:
    """What a run compares cells with: the choice words and the group's brands, read once."""

    def __init__(self, tenant: Tenant):
        self.brands = {_norm(b.name): b.pk for b in Brand.objects.for_tenant(tenant)}
        self.brand_names = "、".join(b.name for b in Brand.objects.for_tenant(tenant)) or "-"
        self.stores: dict[str, int] = {}
        for pk, code, name in Store.objects.filter(group_id=tenant.group_id).values_list(
            "pk", "code", "name"
        ):
            self.stores[_norm(name)] = self.stores[_norm(code)] = pk
        # Colleagues by user name or by name; a name two colleagues share finds neither (None).
        self.managers: dict[str, int | None] = {}
        people = list(
            User.objects.filter(group_id=tenant.group_id, is_active=True).values_list(
                "pk", "username", "display_name"
            )
        )
        for pk, _username, display in people:
            if display:
                key = _norm(display)
                self.managers[key] = pk if self.managers.get(key, pk) == pk else None
        for pk, username, _display in people:
            self.managers[_norm(username)] = pk
        self.choices: dict[str, dict[str, str]] = {}
        for key, cls in CHOICE_CLASSES.items():
            words: dict[str, str] = {}
            for code, label in cls.choices:
                if not code:
                    continue
                with translation.override("en"):
                    words[_norm(label)] = code
                words[_norm(label)] = code  # in the user's language
                words[_norm(code)] = code
            words.update({_norm(w): c for w, c in CHOICE_SYNONYMS[key].items()})
            words.update({_norm(w): c for c, w in CHOICE_LABELS[key].items()})
            self.choices[key] = words

    def choice(self, key: str, value) -> str:
        text = _text(value)
        if not text:
            return ""
        code = self.choices[key].get(_norm(text))
        if code is None:
            allowed = "、".join(CHOICE_LABELS[key].values())
            raise CellError(_("%(value)s is not one of: %(allowed)s.") % {"value": text, "allowed": allowed})
        return code

    def brand(self, value) -> int | None:
        text = _text(value)
        if not text:
            return None
        brand_id = self.brands.get(_norm(text))
        if brand_id is None:
            raise CellError(
                _("%(value)s is not one of your group's brands (%(brands)s).")
                % {"value": text, "brands": self.brand_names}
            )
        return brand_id

    def store(self, value) -> int | None:
        text = _text(value)
        if not text:
            return None
        store_id = self.stores.get(_norm(text))
        if store_id is None:
            raise CellError(
                _("%(value)s is not a store of your group (write its code or name).") % {"value": text}
            )
        return store_id

    def manager(self, value) -> int | None:
        text = _text(value)
        if not text:
            return None
        key = _norm(text)
        if key in self.managers and self.managers[key] is None:
            raise CellError(
                _("Several colleagues are called %(value)s; write the user name.") % {"value": text}
            )
        manager_id = self.managers.get(key)
        if manager_id is None:
            raise CellError(
                _("%(value)s is not a colleague in your group (write the user name).") % {"value": text}
            )
        return manager_id

    def parse(self, column: Column, value):
        if column.kind == "date":
            return _date(value)
        if column.kind == "bool":
            return _bool(value)
        if column.kind == "km":
            return _km(value)
        if column.kind == "choice":
            return self.choice(column.key, value)
        if column.kind == "brand":
            return self.brand(value)
        if column.kind == "store":
            return self.store(value)
        if column.kind == "manager":
            return self.manager(value)
        return _text(value)


# --- Importing -------------------------------------------------------------------------------------


def import_start(*, tenant: Tenant, upload) -> ImportJob:
    """Check an uploaded file (type, size, the sizes inside its archive), keep it, and queue its
    import: the worker reads it (tasks.import_customers)."""
    tenant.require(Perm.CUSTOMER_IMPORT)
    if upload is None:
        raise _file_error(_("Choose a file to import."))
    name = upload.name or ""
    if upload.size > MAX_BYTES:
        raise _file_error(
            _("The file is %(size).1f MB; the limit is %(max)d MB. Split it into smaller files.")
            % {"size": upload.size / 1024 / 1024, "max": MAX_BYTES // 1024 // 1024}
        )
    if not name.lower().endswith(".xlsx"):
        raise _file_error(
            _("Only Excel .xlsx files can be imported. In Excel, use Save As › Excel Workbook (*.xlsx).")
        )
    # Only the zip directory is read here; the workbook is parsed by the worker (its columns too),
    # and the import's page shows what it found.
    check_file(upload)
    job = ImportJob.objects.create(
        group_id=tenant.group_id, store=tenant.store, user=tenant.user, filename=name[-200:], file=upload
    )
    from .tasks import import_customers  # the task calls back into this module

    try:
        import_customers.enqueue(job.pk)
    except Exception:
        logger.exception("Could not queue import %s", job.pk)
        job.status, job.message = (
            ImportJob.Status.FAILED,
            _("The import could not be queued; try again later."),
        )
        job.file.delete(save=False)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "message", "file", "finished_at"])
    return job


def import_job_run(*, job_id: int) -> dict:
    """Import a queued job's file. Runs once: a job already started or finished is left alone."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return {"skipped": True}
    job = ImportJob.objects.select_related("store", "user").get(pk=job_id)
    language = job.user.language if job.user else settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            _run(job)
            job.status = ImportJob.Status.DONE
        except DomainError as exc:
            job.status, job.message = ImportJob.Status.FAILED, str(exc.message)[:300]
        except Exception:
            logger.exception("Import %s stopped", job_id)
            job.status = ImportJob.Status.FAILED
            job.message = _("The import stopped on an unexpected error; the rows imported before are kept.")
    if job.file:
        job.file.delete(save=False)  # personal data: the upload is not kept once read
    job.finished_at = timezone.now()
    job.save(
        update_fields=[
            "status", "message", "file", "total_rows", "processed_rows", "error_rows", "created_customers",
            "reused_customers", "created_vehicles", "errors", "finished_at",
        ]
    )  # fmt: skip
    return {
        "status": job.status,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "error_rows": job.error_rows,
        "created_customers": job.created_customers,
        "created_vehicles": job.created_vehicles,
    }


def _run(job: ImportJob) -> None:
    if job.user is None:
        raise DomainError(_("The account that uploaded this file no longer exists."))
    tenant = resolve_tenant(job.user, job.store.code)
    tenant.require(Perm.CUSTOMER_IMPORT)
    if not job.file:
        raise DomainError(_("The uploaded file is no longer there; upload it again."))
    with job.file.open("rb") as fileobj:
        workbook, sheet = open_sheet(fileobj)
        try:
            layout = read_layout(next(sheet.iter_rows(min_row=1, max_row=1, values_only=True), ()))
            total = 0
            for _row in _data_rows(sheet):
                total += 1
                if total > MAX_ROWS:
                    raise DomainError(
                        _("The file has more than %(max)s rows; split it into smaller files.")
                        % {"max": f"{MAX_ROWS:,}"}
                    )
            job.total_rows = total
            ImportJob.objects.filter(pk=job.pk).update(total_rows=total)
            lookups = Lookups(tenant)
            with set_actor(job.user):
                for number, values in _data_rows(sheet):
                    _import_counted(job, tenant, layout, lookups, number, values)
        finally:
            workbook.close()


def _import_counted(job, tenant, layout, lookups, number, values) -> None:
    try:
        created_customer, created_vehicle = import_row(tenant, layout, lookups, values)
    except RowRejected as exc:
        job.error_rows += 1
        for err in sorted(exc.errors, key=lambda e: layout.position(e.get("field"))):  # in the file's order
            if len(job.errors) < MAX_LISTED_ERRORS:
                job.errors.append(
                    {
                        "row": number,
                        "column": layout.column_name(err.get("field")),
                        "field": err.get("field") or "",
                        "message": str(err["message"]),
                    }
                )
    except Exception:  # a bug or a database hiccup: this row only, the run goes on
        logger.exception("Import %s: row %s", job.pk, number)
        job.error_rows += 1
        if len(job.errors) < MAX_LISTED_ERRORS:
            job.errors.append(
                {"row": number, "column": "", "field": "", "message": _("Unexpected error; the row was not imported.")}
            )  # fmt: skip
    else:
        job.created_customers += created_customer
        job.reused_customers += not created_customer
        job.created_vehicles += created_vehicle
    job.processed_rows += 1
    if job.processed_rows % PROGRESS_EVERY == 0:
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=job.processed_rows, error_rows=job.error_rows,
            created_customers=job.created_customers, reused_customers=job.reused_customers,
            created_vehicles=job.created_vehicles,
        )  # fmt: skip


def import_row(tenant: Tenant, layout: Layout, lookups: Lookups, values) -> tuple[bool, bool]:
    """Import one row in its own transaction: (customer created?, vehicle created?) or RowRejected."""
    cells = {key: (values[i] if i < len(values) else None) for key, (i, _header) in layout.at.items()}
    errors: list[dict] = []
    parsed = {}
    for key, value in cells.items():
        try:
            parsed[key] = lookups.parse(BY_KEY[key], value)
        except CellError as exc:
            errors.append({"field": key, "message": str(exc)})
    has_vehicle = any(not _blank(v) for k, v in cells.items() if BY_KEY[k].vehicle)

    # The common mistakes are found here, all at once; the services then check everything again.
    name = parsed.get("name", "")
    if not name and "name" in parsed:
        errors.append({"field": "name", "message": _("Enter the customer's name.")})
    mobile = _collect(errors, validate_mobile, parsed.get("mobile", "")) if "mobile" in parsed else None
    if has_vehicle:
        if not parsed.get("vin") and "vin" not in {e["field"] for e in errors}:
            errors.append(
                {"field": "vin", "message": _("Enter the VIN, or leave all vehicle columns empty.")}
            )
        elif parsed.get("vin"):
            _collect(errors, validate_vin, parsed["vin"])
        if parsed.get("plate"):
            _collect(errors, validate_plate, parsed["plate"])
        if "brand" in parsed and parsed["brand"] is None:
            errors.append({"field": "brand", "message": _("Enter the brand.")})
        if "model" in parsed and not parsed["model"]:
            errors.append({"field": "model", "message": _("Enter the model.")})
    if errors:
        raise RowRejected(errors)

    customer_fields = {k: parsed[k] for k in parsed if not BY_KEY[k].vehicle and k != "marketing_consent"}
    customer_fields["mobile"] = mobile
    customer_fields["source"] = customer_fields.get("source") or Source.IMPORT
    if "customer_manager" in customer_fields:
        customer_fields["customer_manager_id"] = customer_fields.pop("customer_manager")
    for key in ("preferred_channel", "preferred_time"):  # empty: the model's default
        if not customer_fields.get(key):
            customer_fields.pop(key, None)
    vehicle_fields = {k: v for k, v in parsed.items() if BY_KEY[k].vehicle}
    vehicle_fields["brand_id"] = vehicle_fields.pop("brand", None)
    if "selling_store" in vehicle_fields:
        vehicle_fields["selling_store_id"] = vehicle_fields.pop("selling_store")
    if "vehicle_notes" in vehicle_fields:
        vehicle_fields["notes"] = vehicle_fields.pop("vehicle_notes")
    mileage = vehicle_fields.pop("mileage_km", None) or 0
    for key in ("energy", "usage"):  # empty: the model's default
        if not vehicle_fields.get(key):
            vehicle_fields.pop(key, None)
    try:
        with transaction.atomic():
            customer = (
                Customer.objects.for_tenant(tenant)
                .filter(name=name, mobile=mobile)
                .order_by("created_at")
                .first()
            )
            created_customer = customer is None
            if created_customer:
                customer = customer_create(
                    tenant=tenant,
                    marketing_consent=parsed.get("marketing_consent", False),
                    consent_how=_("Imported from a spreadsheet"),
                    **customer_fields,
                ).record
            if has_vehicle:
                vin = normalize_vin(vehicle_fields["vin"])
                same = Vehicle.objects.for_tenant(tenant).filter(vin=vin).select_related("owner").first()
                if same is not None:
                    raise RowRejected(
                        [{"field": "vin", "message": _("This VIN is already on file (%(plate)s, owner %(owner)s); the row was not imported.")
                          % {"plate": same.plate or "-", "owner": same.owner.name}}]
                    )  # fmt: skip
                vehicle_create(tenant=tenant, owner_id=customer.pk, mileage_km=mileage, **vehicle_fields)
    except DomainError as exc:
        raise RowRejected(exc.errors or [{"field": exc.field, "message": exc.message}]) from None
    return created_customer, has_vehicle


def _collect(errors: list[dict], func, value):
    try:
        return func(value)
    except DomainError as exc:
        errors.extend(exc.errors or [{"field": exc.field, "message": exc.message}])
        return None


# --- Writing ---------------------------------------------------------------------------------------


def _new_sheet():
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(SHEET_TITLE)
    for number, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(number)].width = column.width + 2
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    return workbook, sheet


def _cells(sheet, values: dict) -> list:
    row = []
    for column in COLUMNS:
        value = values.get(column.key)
        if column.kind == "date" and value:
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "yyyy-mm-dd"
            value = cell
        elif column.kind == "choice":
            value = CHOICE_LABELS[column.key].get(value or "", value or None)
        elif column.kind == "bool":
            value = "是" if value else "否"
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            value = _text_cell(sheet, value)
        row.append(value if value != "" else None)
    return row


# A text that Excel, WPS or LibreOffice would take for a formula (=HYPERLINK(…), +cmd|…, -2+3, @SUM,
# a leading tab or return): written as a text cell with the quote prefix, so it is shown, never
# evaluated, also once the cell is edited. The text itself is unchanged (+86 138… stays readable and
# imports back as it was).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text_cell(sheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


_SPECIAL = {"brand", "selling_store", "vehicle_notes", "customer_manager", "known_since"}


def _values(customer: Customer, vehicle: Vehicle | None) -> dict:
    values = {c.key: getattr(customer, c.key) for c in COLUMNS if not c.vehicle and c.key not in _SPECIAL}
    values["known_since"] = customer.customer_since  # the file's opening when not known earlier
    values["customer_manager"] = customer.customer_manager.username if customer.customer_manager_id else None
    if vehicle is not None:
        values.update(
            {c.key: getattr(vehicle, c.key) for c in COLUMNS if c.vehicle and c.key not in _SPECIAL}
        )
        values["brand"] = vehicle.brand.name
        values["selling_store"] = vehicle.selling_store.code if vehicle.selling_store_id else None
        values["vehicle_notes"] = vehicle.notes
    return values


def export_write(*, tenant: Tenant, out) -> ExportRecord:
    """Write the group's customers and their vehicles to `out` (a binary file) and record the export."""
    tenant.require(Perm.CUSTOMER_EXPORT)
    workbook, sheet = _new_sheet()
    customers = (
        Customer.objects.for_tenant(tenant)
        .select_related("customer_manager")
        .order_by("created_at", "pk")
        .prefetch_related(Prefetch("vehicles", queryset=Vehicle.objects.select_related("brand", "selling_store").order_by("created_at", "pk")))
    )  # fmt: skip
    rows = customer_count = 0
    for customer in customers.iterator(chunk_size=1000):
        customer_count += 1
        for vehicle in list(customer.vehicles.all()) or [None]:
            sheet.append(_cells(sheet, _values(customer, vehicle)))
            rows += 1
    workbook.save(out)
    return ExportRecord.objects.create(
        group_id=tenant.group_id, store=tenant.store, user=tenant.user, username=tenant.user.get_username(),
        at=timezone.now(), what=ExportRecord.What.CUSTOMERS_VEHICLES, row_count=rows,
        customer_count=customer_count,
    )  # fmt: skip


def template_write(*, tenant: Tenant, out) -> None:
    """The empty file to fill in: the header row and one example row."""
    tenant.require(Perm.CUSTOMER_IMPORT)
    workbook, sheet = _new_sheet()
    brand = Brand.objects.for_tenant(tenant).first()
    body = "LVHRU1840N5012345"
    vin = body[:8] + vin_check_digit(body[:8] + "0" + body[9:]) + body[9:]
    example = {
        "name": "张三", "title": "mr", "mobile": "13812345678", "region": "深圳市南山区", "source": "walk_in",
        "birthday": date(1985, 6, 1), "marketing_consent": True, "vin": vin, "plate": "粤B12345",
        "brand": brand.name if brand else "东风本田", "model": "思域", "colour": "白色", "energy": "petrol",
        "purchase_date": date(2022, 5, 20), "registration_date": date(2022, 5, 28), "usage": "private",
        "mileage_km": 23000, "insurance_company": "中国人保", "insurance_expiry": date(2026, 5, 27),
        "inspection_due": date(2028, 5, 31),
    }  # fmt: skip
    sheet.append(_cells(sheet, example))
    workbook.save(out)


def column_guide() -> list[dict]:
    """The columns and what they accept, for the import page."""
    guide = []
    for column in COLUMNS:
        if column.kind == "choice":
            accepts = "、".join(CHOICE_LABELS[column.key].values())
        elif column.kind == "date":
            accepts = "2024-03-15"
        elif column.kind == "bool":
            accepts = "是、否"
        else:
            accepts = ""
        required = column.key in REQUIRED or column.key in REQUIRED_WITH_VEHICLES
        guide.append(
            {"header": column.header, "english": column.english, "accepts": accepts, "required": required}
        )
    return guide
