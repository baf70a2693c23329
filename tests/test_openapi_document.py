"""The OpenAPI document tells a client every status the API answers: each operation documents the
error answers (ErrorOut) it can give, so a client generated from it, or a fuzzer checking it, knows them."""

import json
import re

from config.api import api

ERROR = {"$ref": "#/components/schemas/ErrorOut"}


def operations():
    schema = api.get_openapi_schema()
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            yield path, method, op


def test_every_operation_documents_the_errors_it_can_answer(db):
    missing = []
    for path, method, op in operations():
        params = op.get("parameters") or []
        expected = {"403"}
        if op.get("security"):
            expected.add("401")
        if any(p["in"] == "path" for p in params):
            expected.add("404")
        if params or "requestBody" in op:
            expected.add("422")
        for status in expected:
            answer = op["responses"].get(status) or op["responses"].get(int(status))
            # Declared by the view (e.g. a PDF's 404 without a body) or added with ErrorOut.
            if answer is None:
                missing.append(f"{method.upper()} {path}: {status}")

    assert not missing, missing


def test_versioned_writes_and_workflow_steps_document_409(db):
    schema = api.get_openapi_schema()

    assert 409 in schema["paths"]["/api/v1/vehicles/{vehicle_id}"]["patch"]["responses"]
    assert (
        409 in schema["paths"]["/api/v1/appointments/{appointment_id}/actions/{action}"]["post"]["responses"]
    )
    assert 409 not in schema["paths"]["/api/v1/vehicles/{vehicle_id}"]["get"]["responses"]


def test_an_added_error_answer_is_the_apis_error_shape(db):
    op = api.get_openapi_schema()["paths"]["/api/v1/vehicles/{vehicle_id}"]["patch"]

    for status in (400, 401, 403, 404, 409, 422):
        assert op["responses"][status]["content"]["application/json"]["schema"] == ERROR


def test_signing_in_is_open_to_all_and_documents_no_401_for_a_missing_token(db):
    op = api.get_openapi_schema()["paths"]["/api/v1/auth/token"]["post"]

    assert "security" not in op or not op["security"]
    assert {401, 403, 422} <= {int(code) for code in op["responses"]}


def test_no_two_schemas_of_the_api_share_a_name_with_different_fields(db):
    # Found by schemathesis: the appointment's history and the events feed were both `EventOut` (so were
    # two `ActionIn`, `MessageOut`, `PhotoOut`): the document kept one of each, and a client reading it
    # expected the appointment's history in the events feed's shape. A component is named after its class.
    from ninja import Schema

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    document = json.dumps(api.get_openapi_schema())
    # Query parameters are spelled out in each operation: their leftover components are referenced by none.
    referenced = set(re.findall(r'"#/components/schemas/(\w+)"', document))
    shapes: dict[str, set] = {}
    for cls in subclasses(Schema):
        if cls.__module__.startswith(("dms.", "config.")) and cls.__name__ in referenced:
            fields = tuple(sorted((name, str(f.annotation)) for name, f in cls.model_fields.items()))
            shapes.setdefault(cls.__name__, set()).add(fields)

    assert shapes, "no schema of the API found"
    assert not {name for name, seen in shapes.items() if len(seen) > 1}


def test_every_write_documents_409_and_a_request_naming_a_record_documents_404(db):
    paths = api.get_openapi_schema()["paths"]

    # e.g. a reservation already released, a finding on a job already finished
    assert 409 in paths["/api/v1/parts/reservations/{reservation_id}/release"]["post"]["responses"]
    assert 409 in paths["/api/v1/floor/orders/{order_id}/finish"]["post"]["responses"]
    # a vehicle_id / customer_id in the body or the query that is not found (or another group's)
    assert 404 in paths["/api/v1/appointments"]["post"]["responses"]
    assert 404 in paths["/api/v1/messages"]["post"]["responses"]
    assert 404 in paths["/api/v1/recommendations"]["get"]["responses"]
    assert 404 not in paths["/api/v1/customers"]["get"]["responses"]


# --- Choices: every field that takes one of a model's choices lists them (enum) ------------------------

# A property named like a model's choice field that is not that field, or cannot list its values:
# (component or "METHOD path", property).
NOT_A_CHOICE = {
    ("RecommendationOut", "title"),  # the recommended work's title, not a customer's (mr/ms)
    ("GET /api/v1/follow-ups", "state"),  # comma-separated states: open,done
    ("GET /api/v1/repair-orders", "state"),  # comma-separated states
    ("ComplaintListParams", "state"),  # GET /api/v1/complaints: comma-separated states
    ("GET /api/v1/complaints", "state"),
    ("GET /api/v1/follow-ups", "kind"),  # comma-separated kinds: maintenance,insurance
    # A prospect's use of the car (free text: "commuting, weekend trips"), not a vehicle's usage
    ("LeadOut", "usage"),
    ("NeedsIn", "usage"),
    ("NeedsOut", "usage"),
    # Sales' lists: comma-separated states (the parameters and their leftover components)
    ("LeadListParams", "state"),
    ("GET /api/v1/leads", "state"),
    ("StockParams", "state"),
    ("GET /api/v1/stock-vehicles", "state"),
    ("QuotationParams", "state"),
    ("GET /api/v1/quotations", "state"),
    ("OrderParams", "state"),
    ("GET /api/v1/sales-orders", "state"),
}


def choice_field_names() -> set[str]:
    """The names of every field with choices in OpenDMS's models, read from the models (a new
    choice field joins the list by itself)."""
    from django.apps import apps

    return {
        f.name
        for model in apps.get_models()
        if model.__module__.startswith("dms.")
        for f in model._meta.get_fields()
        if getattr(f, "choices", None)
    }


def lists_its_values(prop: dict, components: dict) -> bool:
    """enum (or const, for one value) on the property, on its items (a list), on a branch of
    anyOf (nullable), or on the component it refers to."""
    if "enum" in prop or "const" in prop:
        return True
    if "$ref" in prop:
        return lists_its_values(components[prop["$ref"].rsplit("/", 1)[-1]], components)
    branches = [b for b in prop.get("anyOf", []) + prop.get("allOf", []) if b.get("type") != "null"]
    if "items" in prop:
        branches.append(prop["items"])
    return bool(branches) and all(lists_its_values(b, components) for b in branches)


def test_a_customers_title_lists_its_values(db):
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]

    for name in ("CustomerIn", "CustomerPatch", "CustomerOut"):
        title = components[name]["properties"]["title"]
        assert lists_its_values(title, components), name
    assert set(components["CustomerIn"]["properties"]["title"]["enum"]) == {"mr", "ms", ""}


def test_every_field_taking_a_models_choices_lists_them(db):
    names = choice_field_names()
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    seen, missing = set(), []
    for component, shape in components.items():
        for prop, spec in shape.get("properties", {}).items():
            if prop in names and (component, prop) not in NOT_A_CHOICE:
                seen.add(prop)
                if not lists_its_values(spec, components):
                    missing.append(f"{component}.{prop}")
    for path, method, op in operations():
        for param in op.get("parameters") or []:
            where = f"{method.upper()} {path}"
            if param["name"] in names and (where, param["name"]) not in NOT_A_CHOICE:
                seen.add(param["name"])
                if not lists_its_values(param.get("schema", {}), components):
                    missing.append(f"{where} ?{param['name']}")

    expected = {"title", "behaviour_type", "preferred_channel", "state", "kind", "payer", "warranty", "unit"}
    assert expected <= seen  # the walk found the API's choice fields
    assert not missing, missing


def test_a_wrong_choice_answers_422_with_the_values_to_choose_from(api_en):
    r = api_en.post("/customers", {"name": "李四", "mobile": "13900001111", "title": "dr"})

    assert r.status_code == 422
    [error] = r.json()["errors"]
    assert error["field"] == "title"
    assert error["message"] == "Choose one of: 'mr', 'ms' or ''."
