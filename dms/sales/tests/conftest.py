"""The showroom: two sales consultants, the showroom manager, a cashier, and their API clients."""

import base64
import io

import pytest
from django.test import Client

from conftest import ApiClient, make_user
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant


@pytest.fixture
def consultant(store):
    return make_user("sales1", store, Role.SALES_CONSULTANT)


@pytest.fixture
def consultant2(store):
    return make_user("sales2", store, Role.SALES_CONSULTANT)


@pytest.fixture
def showroom(store):
    return make_user("showroom1", store, Role.SHOWROOM_MANAGER)


@pytest.fixture
def cashier(store):
    return make_user("cashier1", store, Role.CASHIER)


@pytest.fixture
def outsider_sales(other_group_store):
    return make_user("sales9", other_group_store, Role.SALES_CONSULTANT)


@pytest.fixture
def sales_tenant(consultant):
    return resolve_tenant(consultant)


@pytest.fixture
def showroom_tenant(showroom):
    return resolve_tenant(showroom)


@pytest.fixture
def sales_api(consultant):
    return ApiClient(consultant)


@pytest.fixture
def showroom_api(showroom):
    return ApiClient(showroom)


@pytest.fixture
def cashier_api(cashier):
    return ApiClient(cashier)


@pytest.fixture
def outsider_api(outsider_sales):
    return ApiClient(outsider_sales)


@pytest.fixture
def sales_client(consultant):
    c = Client()
    c.force_login(consultant)
    return c


@pytest.fixture
def showroom_client(showroom):
    c = Client()
    c.force_login(showroom)
    return c


def signature_png() -> str:
    """A PNG data URL with a stroke on it, as the tablet's pad sends."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 120), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(20, 60), (280, 80)], fill=(16, 36, 62, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def walk_in(sales_api):
    """A walk-in prospect registered by sales1."""
    r = sales_api.post("/leads", {"name": "王先生", "mobile": "13700001234", "source": "walk_in",
                                  "model_interest": "雅阁"})  # fmt: skip
    assert r.status_code == 201, r.content
    return r.json()


@pytest.fixture
def stock_car(showroom_api, brand):
    """A 雅阁 in stock."""
    from conftest import valid_vin

    r = showroom_api.post("/stock-vehicles", {"vin": valid_vin(70001), "brand": brand.name, "model": "雅阁",
                                              "trim": "260TURBO 豪华版", "colour": "珍珠白",
                                              "list_price": "179800.00", "cost": "165000.00"})  # fmt: skip
    assert r.status_code == 201, r.content
    return r.json()


def quote_body(lead_id, **extra):
    return {"lead_id": lead_id, "model": "雅阁", "trim": "260TURBO 豪华版", "colour": "珍珠白",
            "list_price": "179800.00", "discount": "2000.00",
            "accessories": [{"name": "脚垫", "price": "800.00"}, {"name": "行车记录仪", "price": "1200.00"}],
            "insurance": "6500.00", "fees": "1500.00", **extra}  # fmt: skip


@pytest.fixture
def quotation(sales_api, walk_in):
    """An approved quotation (within the consultant's authority): total 187,800.00."""
    r = sales_api.post("/quotations", quote_body(walk_in["id"]))
    assert r.status_code == 201, r.content
    return r.json()


@pytest.fixture
def order(sales_api, quotation):
    r = sales_api.post("/sales-orders", {"quotation_id": quotation["id"]})
    assert r.status_code == 201, r.content
    return r.json()
