from .navigation import alerts_for, menu_for
from .roles import Role


def shell(request):
    tenant = getattr(request, "tenant", None)
    return {
        "tenant": tenant,
        "tenant_role_label": Role(tenant.role).label if tenant else "",
        "menu": menu_for(request, tenant),
        "alerts": alerts_for(tenant),
    }
