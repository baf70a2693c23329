"""The audit timeline of a record: every create, change and delete, with who and when.

Changes and deletions are captured by django-auditlog for every registered business model (see
each app's `apps.py`); this module writes their creations (below) and reads the log back for a
record's page and the API.

A creation is logged as who and when, without a diff. auditlog's own creation entry carries every
field against nothing: the record's whole first content, which no timeline shows (a creation reads
"created", by whom, when), which was the most expensive part of an audited save, and which copied a
customer's personal data into the log (to be redacted again on erasure). Later changes keep their
before and after, so the first values are still known. Not logged at all:
- records whose creation another history holds (`creation_not_logged(model)`: a repair order's
  line is in the order's own history, with what it was made of);
- a record made as part of another one's creation, which sets `audit_creation = False` on the
  instance before saving it (a vehicle's first ownership: the vehicle's entry says who and when).
"""

from datetime import UTC

from auditlog.context import auditlog_disabled
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.db.models.signals import post_save
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

_NOT_LOGGED: set[type] = set()


def creation_not_logged(model) -> None:
    """The creation of `model`'s records is recorded elsewhere (see the module doc)."""
    _NOT_LOGGED.add(model)


def _auditlog_creation(sender, instance, action, **kwargs) -> bool:
    """auditlog's pre_log: its own creation entry (with the diff) is not written; `log_creation` is."""
    return action != LogEntry.Action.CREATE


def log_creation(sender, instance, created, raw=False, **kwargs) -> None:
    """post_save of every model: an audited record's creation, by whom and when, without a diff.
    The actor, address and correlation id are filled as for auditlog's entries (AuditContextMiddleware
    in a request, auditlog.context.set_actor elsewhere)."""
    if not created or sender in _NOT_LOGGED or not auditlog.contains(sender):
        return
    if auditlog_disabled.get(False) or (raw and settings.AUDITLOG_DISABLE_ON_RAW_SAVE):
        return
    if getattr(instance, "audit_creation", True) is False:
        return
    LogEntry.objects.log_create(instance, action=LogEntry.Action.CREATE, force_log=True)


def connect() -> None:
    """Called from CoreConfig.ready."""
    from auditlog.signals import pre_log

    pre_log.connect(_auditlog_creation, weak=False, dispatch_uid="core_audit_creation_by_dms")
    post_save.connect(log_creation, weak=False, dispatch_uid="core_audit_log_creation")


ACTIONS = {
    LogEntry.Action.CREATE: _("created"),
    LogEntry.Action.UPDATE: _("changed"),
    LogEntry.Action.DELETE: _("deleted"),
}


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # a field since removed
        return name


def _readable(model, name: str, value: str) -> str:
    """A value of the diff as a page shows it: a choice by its label, yes or no, a time in the
    reader's time zone to the minute (auditlog keeps them as text: "True", "2026-12-07 23:56:18.727513"
    in UTC)."""
    try:
        field = model._meta.get_field(name)
    except Exception:  # a field since removed
        return value
    if value == "" or not getattr(field, "concrete", False):
        return value
    if field.choices:
        return str(dict((str(k), v) for k, v in field.flatchoices).get(value, value))
    kind = field.get_internal_type()
    if kind in ("BooleanField", "NullBooleanField") and value in ("True", "False"):
        return pgettext("a yes/no value", "Yes") if value == "True" else pgettext("a yes/no value", "No")
    if kind == "DateTimeField" and (moment := parse_datetime(value)) is not None:
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment, UTC)
        return date_format(timezone.localtime(moment), "Y-m-d H:i")
    return value


def timeline_for(obj, *, related=(), limit: int = 200, redact=None, readable: bool = False) -> list[dict]:
    """Audit entries of `obj` and of `related` records, newest first, in two queries.

    `redact(model, changes)`, when given, answers the diff ({field name: [old, new]}) as the reader
    may see it (e.g. contact data masked for a role without the right to see it). `readable`: the
    diff's values as a page shows them (`_readable`), else as recorded."""
    records = [obj, *related]
    condition = Q()
    by_type: dict[int, list[str]] = {}
    for r in records:
        ct = ContentType.objects.get_for_model(r)
        by_type.setdefault(ct.pk, []).append(str(r.pk))
    for ct_id, pks in by_type.items():
        condition |= Q(content_type_id=ct_id, object_pk__in=pks)
    entries = (
        LogEntry.objects.filter(condition)
        .exclude(action=LogEntry.Action.ACCESS)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-id")[:limit]
    )
    out = []
    for e in entries:
        model = e.content_type.model_class()
        changes = {} if e.action == LogEntry.Action.CREATE else (e.changes_dict or {})
        changes = {k: ["" if x in (None, "None") else x for x in v] for k, v in changes.items()}
        if redact is not None:
            changes = redact(model, changes)
        if readable and model is not None:
            changes = {k: [_readable(model, k, x) for x in v] for k, v in changes.items()}
        out.append(
            {
                "at": e.timestamp,
                "actor": str(e.actor) if e.actor else None,
                "action": str(ACTIONS.get(e.action, e.action)),
                "record": f"{model._meta.verbose_name if model else e.content_type.model} {e.object_repr}",
                "changes": {_field_label(model, k): v for k, v in changes.items()} if model else changes,
            }
        )
    return out
