"""The shell: sign-in, home, and the user's language, store and work phone."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .errors import DomainError
from .middleware import SESSION_STORE_KEY
from .models import User
from .navigation import home_for, home_panels_for
from .roles import Perm
from .services import user_phone_set
from .shell import tenant_required


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


@tenant_required
def home(request):
    own = home_for(request.tenant)
    if own and own != request.path:
        return HttpResponseRedirect(own)
    context = {
        "can_add_customer": request.tenant.can(Perm.CUSTOMER_EDIT),
        "panels": home_panels_for(request.tenant),
    }
    return render(request, "core/home.html", context)


def _back(request):
    target = request.POST.get("next") or request.headers.get("Referer") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return HttpResponseRedirect(target)


@require_POST
def language_set(request):
    """Switch between 简体中文 and English; signed-in users keep the choice."""
    code = request.POST.get("language")
    if code not in dict(User.Language.choices):
        return _back(request)
    response = _back(request)
    if request.user.is_authenticated:
        User.objects.filter(pk=request.user.pk).update(language=code)
    response.set_cookie("django_language", code, max_age=365 * 24 * 3600, samesite="Lax")
    translation.activate(code)
    return response


@login_required
@require_POST
def store_set(request):
    """Act in another of the user's stores."""
    code = request.POST.get("store", "")
    tenant = request.tenant
    if tenant and any(s.code == code for s in tenant.stores):
        request.session[SESSION_STORE_KEY] = code
    return _back(request)


@login_required
@require_POST
def phone_set(request):
    """The user's own work phone, the one scripts and messages give their customers."""
    try:
        user_phone_set(user=request.user, phone=request.POST.get("phone", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your phone is saved: scripts give it to your customers."))
    return _back(request)
