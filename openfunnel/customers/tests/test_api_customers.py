import json

import pytest

from openfunnel.audit.models import Event
from openfunnel.core.testing import VALID_USCC
from openfunnel.customers.models import Customer, CustomerLevel, CustomerShare, Tag
from openfunnel.customers.services import contact_create, customer_create, customer_share

BAD_IDS = ("999999", "abc", "0", "-1", "99999999999999999999999")


@pytest.fixture
def acme(personas):
    customer = customer_create(actor=personas.alice, name="Acme Machinery", phone="13800138000")
    contact_create(actor=personas.alice, customer=customer, name="王经理")
    return customer


def test_create_returns_the_api_fields(personas, api_as):
    tag = Tag.objects.create(name="重点")
    level = CustomerLevel.objects.get(code="a")
    response = api_as(personas.alice).post(
        "/api/v1/customers/",
        {
            "name": "杭州云图科技有限公司",
            "uscc": VALID_USCC[0],
            "industry": "software",
            "size": "21-100",
            "region": "杭州",
            "lat": 30.274085,
            "lng": 120.15507,
            "level": level.pk,
            "source": "website",
            "tags": [tag.pk],
            "phone": "0571-8888 6666",
            "email": "info@yuntu.cn",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    for field in (
        "name",
        "uscc",
        "industry",
        "size",
        "region",
        "address",
        "lat",
        "lng",
        "level",
        "source",
        "owner",
        "pool",
        "status",
        "last_follow_up_at",
        "next_follow_up_at",
        "version",
    ):
        assert field in body
    assert body["owner"] == personas.alice.pk and body["owner_name"] == "Alice Rep"
    assert body["level"] == level.pk and body["level_name"] == "A"
    assert body["tags"] == [tag.pk] and body["tag_names"] == ["重点"]
    assert body["pool"] is None and body["version"] == 1 and body["status"] == "potential"
    assert body["lat"] == pytest.approx(30.274085) and body["can_edit"] is True
    assert Event.objects.filter(verb="customer.created", customer_id=body["id"]).exists()


def test_list_filters_ordering_and_pagination(personas, api_as):
    vip = CustomerLevel.objects.get(code="vip")
    c = CustomerLevel.objects.get(code="c")
    customer_create(actor=personas.alice, name="Zeta", level=c)
    customer_create(actor=personas.alice, name="Alpha", level=vip)
    customer_create(actor=personas.bob, name="Bravo")
    api = api_as(personas.manager)
    listed = api.get("/api/v1/customers/?ordering=name").json()
    assert [r["name"] for r in listed["results"]] == ["Alpha", "Bravo", "Zeta"] and listed["count"] == 3
    by_level = api.get("/api/v1/customers/?ordering=level&level=" + str(vip.pk)).json()
    assert [r["name"] for r in by_level["results"]] == ["Alpha"]
    ranked = api.get("/api/v1/customers/?ordering=-level").json()["results"]
    assert [r["name"] for r in ranked][:2] == ["Zeta", "Alpha"]  # C ranks after VIP; no level sorts first
    assert api.get(f"/api/v1/customers/?owner={personas.bob.pk}").json()["count"] == 1
    assert api.get("/api/v1/customers/?search=alp").json()["count"] == 1
    paged = api.get("/api/v1/customers/?page_size=2&ordering=name").json()
    assert len(paged["results"]) == 2 and paged["next"]
    assert api.get("/api/v1/customers/?owner=abc").status_code == 400
    assert api.get("/api/v1/customers/?created_after=2026-13-45").status_code == 400
    assert api.get("/api/v1/customers/?level=99999999999999999999").status_code == 400


def test_list_is_scoped(personas, api_as, acme):
    assert api_as(personas.carol).get("/api/v1/customers/").json()["count"] == 0
    assert api_as(personas.bob).get("/api/v1/customers/").json()["count"] == 0
    assert api_as(personas.finance).get("/api/v1/customers/").json()["count"] == 1


def test_list_query_count_does_not_grow_with_rows(personas, api_as, django_assert_max_num_queries):
    tag = Tag.objects.create(name="T")
    for i in range(12):
        customer = customer_create(
            actor=personas.alice, name=f"Company {i}", tags=[tag], level=CustomerLevel.objects.get(code="b")
        )
        customer_share(actor=personas.alice, customer=customer, user=personas.bob, can_edit=bool(i % 2))
    api = api_as(personas.manager)
    with django_assert_max_num_queries(12):
        response = api.get("/api/v1/customers/")
    assert response.json()["count"] == 12


def test_out_of_scope_is_404_everywhere(personas, api_as, acme):
    api = api_as(personas.carol)
    base = f"/api/v1/customers/{acme.pk}"
    for method, url, body in [
        ("get", f"{base}/", None),
        ("get", f"{base}/timeline/", None),
        ("get", f"{base}/contacts/", None),
        ("patch", f"{base}/", {"region": "X"}),
        ("delete", f"{base}/", None),
        ("post", f"{base}/transfer/", {"owner": personas.carol.pk}),
        ("post", f"{base}/share/", {"user": personas.carol.pk}),
        ("post", f"{base}/unshare/", {"user": personas.carol.pk}),
    ]:
        response = getattr(api, method)(url, body, format="json") if body else getattr(api, method)(url)
        assert response.status_code == 404, (method, url, response.content)
        assert response.json()["error"]["code"] == "not_found"
    acme.refresh_from_db()
    assert acme.version == 1 and acme.deleted_at is None


@pytest.mark.parametrize("bad", BAD_IDS)
def test_invalid_ids_are_404(personas, api_as, bad):
    api = api_as(personas.admin)
    for url in (
        f"/api/v1/customers/{bad}/",
        f"/api/v1/customers/{bad}/timeline/",
        f"/api/v1/contacts/{bad}/",
    ):
        response = api.get(url)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "body,field",
    [
        ({"name": "x", "fax": "1"}, "fax"),  # unknown field
        ({"name": "x" * 201}, "name"),  # over-long
        ({"name": "x", "region": "r" * 101}, "region"),
        ({"name": "x", "lat": "abc", "lng": 1}, "lat"),  # wrong type
        ({"name": "x", "lat": 200, "lng": 1}, "lat"),  # out of range
        ({"name": "x", "lat": 30}, "lng"),  # half a point
        ({"name": "x", "level": "abc"}, "level"),
        ({"name": "x", "level": 0}, "level"),
        ({"name": "x", "level": 99999}, "level"),  # no such level
        ({"name": "x", "level": 99999999999999999999999}, "level"),
        ({"name": "x", "tags": "重点"}, "tags"),
        ({"name": "x", "tags": [99999]}, "tags"),
        ({"name": "x", "status": "won"}, "status"),
        ({"name": "x", "email": "not-an-email"}, "email"),
        ({"name": "x", "phone": "12"}, "phone"),
        ({"name": "x", "uscc": "91350100M000100Y44"}, "uscc"),
        ({"name": "x", "owner": 99999}, "owner"),
        ({"name": "x", "pool": 1}, "pool"),  # read-only on this issue
        ({"name": ["x"]}, "name"),
        ({}, "name"),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(personas, api_as, body, field):
    response = api_as(personas.alice).post("/api/v1/customers/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["fields"]
    assert not Customer.objects.exists()


def test_malformed_json_and_non_object_bodies(personas, api_as, acme):
    api = api_as(personas.alice)
    for url, method in (
        ("/api/v1/customers/", "post"),
        (f"/api/v1/customers/{acme.pk}/", "patch"),
        (f"/api/v1/customers/{acme.pk}/transfer/", "post"),
    ):
        for data in ("{not json", "[1, 2]", '"text"', "null"):
            response = getattr(api, method)(url, data=data, content_type="application/json")
            assert response.status_code in (400, 403), (url, data, response.content)
            assert response.status_code != 500
    assert Customer.objects.count() == 1


def test_patch_updates_and_versions(personas, api_as, acme):
    api = api_as(personas.alice)
    tag = Tag.objects.create(name="出口")
    response = api.patch(
        f"/api/v1/customers/{acme.pk}/", {"region": "上海", "version": 1, "tags": [tag.pk]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["region"] == "上海" and response.json()["version"] == 2
    assert response.json()["tag_names"] == ["出口"]
    stale = api.patch(f"/api/v1/customers/{acme.pk}/", {"region": "北京", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    acme.refresh_from_db()
    assert acme.region == "上海"
    owner = api.patch(f"/api/v1/customers/{acme.pk}/", {"owner": personas.bob.pk}, format="json")
    assert owner.status_code == 400 and "owner" in owner.json()["error"]["fields"]
    over = api.patch(f"/api/v1/customers/{acme.pk}/", {"lat": 200, "lng": 10}, format="json")
    assert over.status_code == 400


def test_duplicate_is_409_with_existing(personas, api_as, acme):
    carol = api_as(personas.carol).post(
        "/api/v1/customers/", {"name": "ACME Machinery Co., Ltd."}, format="json"
    )
    assert carol.status_code == 409
    error = carol.json()["error"]
    assert error["code"] == "duplicate"
    assert error["existing"]["type"] == "customer" and error["existing"]["owner_name"] == "Alice Rep"
    assert "id" not in error["existing"]
    mike = api_as(personas.manager).post(
        "/api/v1/customers/", {"name": "X", "phone": "138 0013 8000"}, format="json"
    )
    assert mike.status_code == 409 and mike.json()["error"]["existing"]["id"] == acme.pk
    other = customer_create(actor=personas.alice, name="Other")
    edit = api_as(personas.alice).patch(
        f"/api/v1/customers/{other.pk}/", {"name": "acme machinery"}, format="json"
    )
    assert edit.status_code == 409 and edit.json()["error"]["existing"]["id"] == acme.pk


def test_finance_reads_but_gets_403_on_writes(personas, api_as, acme):
    api = api_as(personas.finance)
    assert api.get(f"/api/v1/customers/{acme.pk}/").json()["can_edit"] is False
    assert api.patch(f"/api/v1/customers/{acme.pk}/", {"region": "X"}, format="json").status_code == 403
    assert api.delete(f"/api/v1/customers/{acme.pk}/").status_code == 403
    assert api.post("/api/v1/customers/", {"name": "New"}, format="json").status_code == 403
    assert (
        api.post(
            f"/api/v1/customers/{acme.pk}/transfer/", {"owner": personas.bob.pk}, format="json"
        ).status_code
        == 403
    )


def test_delete_is_soft(personas, api_as, acme):
    assert api_as(personas.alice).delete(f"/api/v1/customers/{acme.pk}/").status_code == 403
    assert api_as(personas.manager).delete(f"/api/v1/customers/{acme.pk}/").status_code == 204
    assert Customer.objects.filter(pk=acme.pk, deleted_at__isnull=False).exists()
    assert api_as(personas.manager).get(f"/api/v1/customers/{acme.pk}/").status_code == 404


def test_transfer_share_unshare_actions(personas, api_as, acme):
    mike = api_as(personas.manager)
    moved = mike.post(f"/api/v1/customers/{acme.pk}/transfer/", {"owner": personas.bob.pk}, format="json")
    assert moved.status_code == 200 and moved.json()["owner"] == personas.bob.pk
    assert (
        mike.post(f"/api/v1/customers/{acme.pk}/transfer/", {"owner": "abc"}, format="json").status_code
        == 400
    )
    assert (
        mike.post(
            f"/api/v1/customers/{acme.pk}/transfer/", {"owner": personas.carol.pk}, format="json"
        ).status_code
        == 400
    )  # outside mike's scope
    bob = api_as(personas.bob)
    shared = bob.post(
        f"/api/v1/customers/{acme.pk}/share/", {"user": personas.carol.pk, "can_edit": True}, format="json"
    )
    assert shared.status_code == 200
    assert shared.json()["collaborators"] == [
        {"user": personas.carol.pk, "user_name": "Carol Rep", "can_edit": True}
    ]
    carol = api_as(personas.carol)
    assert carol.get(f"/api/v1/customers/{acme.pk}/").json()["can_edit"] is True
    assert carol.patch(f"/api/v1/customers/{acme.pk}/", {"region": "北京"}, format="json").status_code == 200
    assert (
        bob.post(
            f"/api/v1/customers/{acme.pk}/share/", {"user": personas.carol.pk, "extra": 1}, format="json"
        ).status_code
        == 400
    )
    gone = bob.post(f"/api/v1/customers/{acme.pk}/unshare/", {"user": personas.carol.pk}, format="json")
    assert gone.status_code == 200 and gone.json()["collaborators"] == []
    assert carol.get(f"/api/v1/customers/{acme.pk}/").status_code == 404
    again = bob.post(f"/api/v1/customers/{acme.pk}/unshare/", {"user": personas.carol.pk}, format="json")
    assert again.status_code == 400
    assert not CustomerShare.objects.exists()


def test_timeline_and_contacts_actions(personas, api_as, acme):
    api = api_as(personas.alice)
    api.patch(f"/api/v1/customers/{acme.pk}/", {"region": "上海"}, format="json")
    timeline = api.get(f"/api/v1/customers/{acme.pk}/timeline/?page_size=2")
    assert timeline.status_code == 200
    body = timeline.json()
    assert body["count"] == 3 and body["next"] and len(body["results"]) == 2
    newest = body["results"][0]
    assert newest["verb"] == "customer.updated" and newest["changes"] == {"region": ["", "上海"]}
    assert newest["actor"] == personas.alice.pk and newest["actor_name"] == "Alice Rep" and newest["label"]
    contacts = api.get(f"/api/v1/customers/{acme.pk}/contacts/").json()
    assert contacts["count"] == 1 and contacts["results"][0]["name"] == "王经理"


def test_read_only_collaborator_sees_timeline_but_cannot_write(personas, api_as, acme):
    customer_share(actor=personas.alice, customer=acme, user=personas.carol)
    api = api_as(personas.carol)
    assert api.get(f"/api/v1/customers/{acme.pk}/timeline/").status_code == 200
    assert api.patch(f"/api/v1/customers/{acme.pk}/", {"region": "X"}, format="json").status_code == 403
    assert (
        api.post(f"/api/v1/customers/{acme.pk}/share/", {"user": personas.bob.pk}, format="json").status_code
        == 403
    )


def test_anonymous_gets_401(db, client):
    response = client.get("/api/v1/customers/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_schema_lists_the_customer_endpoints(personas, api_as):
    schema = api_as(personas.admin).get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    for path in (
        "/api/v1/customers/",
        "/api/v1/customers/{id}/transfer/",
        "/api/v1/customers/{id}/timeline/",
        "/api/v1/contacts/",
        "/api/v1/customer-levels/",
        "/api/v1/tags/",
        "/api/v1/dedup-settings/",
    ):
        assert path in paths
