def test_sa_creates_and_finds_a_customer_by_initials(api):
    r = api.post("/customers", {"name": "张三丰", "mobile": "13912345678", "title": "mr"})
    assert r.status_code == 201, r.content
    assert r.json()["salutation"] == "张先生"
    r = api.get("/customers", {"q": "zsf"})
    assert r.status_code == 200
    assert [c["name"] for c in r.json()["items"]] == ["张三丰"]


def test_outsider_gets_404_for_a_customer_of_another_group(outsider_api, customer):
    assert outsider_api.get(f"/customers/{customer.pk}").status_code == 404
