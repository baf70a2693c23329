"""The audit timeline of a record: every create, change and delete, with who and when.

Changes are captured by django-auditlog for every registered business model (see each app's
`apps.py`); this module reads them back for a record's page and the API. A repair order's line is
the one whose creation is not logged here: the order's own history records it (dms/workshop/apps.py).
"""

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

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


def timeline_for(obj, *, related=(), limit: int = 200, redact=None) -> list[dict]:
    """Audit entries of `obj` and of `related` records, newest first, in two queries.

    `redact(model, changes)`, when given, answers the diff ({field name: [old, new]}) as the reader
    may see it (e.g. contact data masked for a role without the right to see it)."""
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
