"""Several people working at once on the embedded SQLite (`make run`): no 'database is locked',
no 500, no lost update. Real processes against a real database file in WAL mode."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SETUP = """
from dms.core.models import DealerGroup, Store, StoreMembership, User
from dms.core.tenancy import resolve_tenant
from dms.customers.services import customer_create
g = DealerGroup.objects.create(code="G", name="G")
s = Store.objects.create(group=g, code="S1", name="S1")
u = User.objects.create_user("sa", password="x" * 12, group=g, home_store=s)
StoreMembership.objects.create(user=u, store=s, role="sa")
print(customer_create(tenant=resolve_tenant(u), name="王五", mobile="13800000000").record.pk)
"""

WORKER = """
import sys
from dms.core.errors import Conflict
from dms.core.models import User
from dms.core.tenancy import resolve_tenant
from dms.customers.models import Customer
from dms.customers.services import customer_update
tenant = resolve_tenant(User.objects.get(username="sa"))
pk, me, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
done = 0
while done < n:
    c = Customer.objects.get(pk=pk)
    try:
        customer_update(tenant=tenant, customer_id=pk, version=c.version, notes=f"{me}-{done}")
        done += 1
    except Conflict:
        pass  # someone else wrote first: read again and retry, as a person would
print("ok")
"""


def _python(code: str, env: dict, *args: str) -> subprocess.Popen:
    boot = "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()\n"
    return subprocess.Popen(
        [sys.executable, "-c", boot + code, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="the embedded SQLite is tested in the SQLite run"
)
def test_four_people_updating_one_customer_at_once_lose_nothing(sqlite_var_dir):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"DMS_VAR_DIR": str(sqlite_var_dir)}
    setup = _python(SETUP, env)
    out, err = setup.communicate(timeout=120)
    assert setup.returncode == 0, err
    pk = out.strip().splitlines()[-1]

    workers = [_python(WORKER, env, pk, f"w{i}", "15") for i in range(4)]
    results = [w.communicate(timeout=300) for w in workers]

    for w, (_out, err) in zip(workers, results, strict=True):
        assert w.returncode == 0 and "locked" not in err, err[-2000:]
    check = _python(
        f"from dms.customers.models import Customer; print(Customer.objects.get(pk={pk}).version)", env
    )
    out, err = check.communicate(timeout=60)
    assert out.strip() == str(1 + 4 * 15), err
