"""Helpers for pages: the tenant a view works for, and turning domain errors into page answers."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .errors import DomainError, Forbidden, NotFound


def tenant_required(view):
    """The view needs a signed-in user working in a store; domain errors become 404/403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.tenant is None:
            raise PermissionDenied(str(request.tenant_error.message) if request.tenant_error else "")
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404() from None
        except Forbidden as exc:
            raise PermissionDenied(str(exc.message)) from None

    return wrapper


def apply_errors(form, exc: DomainError) -> None:
    """Show a DomainError's messages on the form's fields (unknown fields on the whole form)."""
    for err in exc.errors or [{"field": exc.field, "message": exc.message}]:
        name = err.get("field")
        name = name[:-3] if name and name.endswith("_id") and name[:-3] in form.fields else name
        form.add_error(name if name in form.fields else None, str(err["message"]))
