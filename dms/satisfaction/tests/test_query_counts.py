"""The case list, the home panel and the survey queue read a bounded number of queries, however
many cases and answers there are."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from dms.satisfaction.services import complaint_open


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_more_cases_do_not_mean_more_queries(
    care_client, manager_client, care_api, store, customer, care, manager, order
):
    def add(n):
        for _ in range(n):
            for owner in (care, manager):
                complaint_open(store=store, customer=customer, category="other", severity="low", description="x",
                               actor=care, repair_order=order, owner=owner)  # fmt: skip

    add(1)
    few = [_queries(care_client, "/satisfaction/complaints/"), _queries(manager_client, "/")]
    few_api = len(care_api.get("/complaints").json()["items"])
    add(6)
    many = [_queries(care_client, "/satisfaction/complaints/"), _queries(manager_client, "/")]
    assert many == few
    with CaptureQueriesContext(connection) as ctx:
        assert len(care_api.get("/complaints").json()["items"]) == few_api + 12
    with CaptureQueriesContext(connection) as ctx_few:
        care_api.get("/complaints", {"limit": 1})
    assert len(ctx.captured_queries) == len(ctx_few.captured_queries)
