"""The third-party apps shown in the admin, with Chinese headings (INSTALLED_APPS names these classes).

Each keeps its app's name and label, so that its migrations, tables and ready() stay as they are.
Axes' models are named by axes' own msgids, in no catalogue of axes for Chinese: listed here with
gettext_noop, `makemessages` keeps them in ours, whose translation then applies to axes' pages too;
auditlog's likewise.
"""

import auditlog.apps
import axes.apps
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class AxesConfig(axes.apps.AppConfig):
    """django-axes: every sign-in attempt and the lockout after too many failures."""

    verbose_name = _("Sign-ins and lockouts")


class AuditlogConfig(auditlog.apps.AuditlogConfig):
    """django-auditlog: who changed which record, when, and what changed."""

    verbose_name = _("Change history")


AXES_MSGIDS = (
    # The models (axes/models.py).
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    # Their fields.
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    # The admin's filter, sections and action (axes/admin.py).
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Not set"),
)

# The same for auditlog's log in the admin: its model, fields, columns and filters (auditlog/models.py,
# mixins.py, filters.py, admin.py). Its "3 changes: …" column is plain English in its code: left so.
AUDITLOG_MSGIDS = (
    gettext_noop("log entry"),
    gettext_noop("log entries"),
    gettext_noop("create"),
    gettext_noop("update"),
    gettext_noop("delete"),
    gettext_noop("access"),
    gettext_noop("actor"),
    gettext_noop("actor email"),
    gettext_noop("timestamp"),
    gettext_noop("content type"),
    gettext_noop("object pk"),
    gettext_noop("object id"),
    gettext_noop("object representation"),
    gettext_noop("change message"),
    gettext_noop("remote address"),
    gettext_noop("remote port"),
    gettext_noop("additional data"),
    gettext_noop("Correlation ID"),
    gettext_noop("Click to filter by records with this correlation id"),
    gettext_noop("User"),
    gettext_noop("Resource"),
    gettext_noop("Resource Type"),
    gettext_noop("Audit log"),
    gettext_noop("Audit log: %s"),
    gettext_noop("Created {repr:s}"),
    gettext_noop("Updated {repr:s}"),
    gettext_noop("Deleted {repr:s}"),
    gettext_noop("Logged {repr:s}"),
)
