"""Scoped querysets: every query of tenant-owned records starts with `for_tenant(tenant)`."""

from typing import TYPE_CHECKING

from django.db import models

if TYPE_CHECKING:
    from .tenancy import Tenant


class GroupScopedQuerySet(models.QuerySet):
    """Records owned by a dealer group (customers, vehicles): visible in all its stores."""

    def for_tenant(self, tenant: "Tenant"):
        return self.filter(group_id=tenant.group_id)


class StoreScopedQuerySet(models.QuerySet):
    """Records owned by one store (appointments, repair orders, stock)."""

    def for_tenant(self, tenant: "Tenant"):
        return self.filter(store_id=tenant.store.id)

    def for_group(self, tenant: "Tenant"):
        return self.filter(store__group_id=tenant.group_id)
