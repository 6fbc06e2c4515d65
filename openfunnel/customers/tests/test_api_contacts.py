import pytest

from openfunnel.audit.models import Event
from openfunnel.customers.models import Contact
from openfunnel.customers.services import contact_create, customer_create, customer_share


@pytest.fixture
def acme(personas):
    return customer_create(actor=personas.alice, name="Acme")


def test_create_list_patch_delete(personas, api_as, acme):
    api = api_as(personas.alice)
    created = api.post(
        "/api/v1/contacts/",
        {
            "customer": acme.pk,
            "name": "王经理",
            "title": "总经理",
            "phone": "13800138000",
            "decision_role": "decision_maker",
            "birthday": "1980-05-01",
            "wechat": "wang80",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    for field in (
        "customer",
        "name",
        "title",
        "phone",
        "email",
        "wechat",
        "birthday",
        "decision_role",
        "is_primary",
    ):
        assert field in body
    assert body["is_primary"] is True and body["customer_name"] == "Acme"
    second = api.post(
        "/api/v1/contacts/", {"customer": acme.pk, "name": "李工", "decision_role": "user"}, format="json"
    ).json()
    listed = api.get(f"/api/v1/contacts/?customer={acme.pk}&decision_role=user").json()
    assert [r["name"] for r in listed["results"]] == ["李工"]
    assert api.get("/api/v1/contacts/?search=wang80").json()["count"] == 1
    primary = api.post(f"/api/v1/contacts/{second['id']}/set-primary/")
    assert primary.status_code == 200 and primary.json()["is_primary"] is True
    assert Contact.objects.filter(is_primary=True).count() == 1
    patched = api.patch(
        f"/api/v1/contacts/{body['id']}/", {"title": "董事长", "version": body["version"]}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["title"] == "董事长"
    stale = api.patch(
        f"/api/v1/contacts/{body['id']}/", {"title": "X", "version": body["version"]}, format="json"
    )
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    assert api.delete(f"/api/v1/contacts/{body['id']}/").status_code == 204
    assert api.get(f"/api/v1/contacts/{body['id']}/").status_code == 404
    assert Event.objects.filter(verb="contact.deleted", customer_id=acme.pk).exists()


@pytest.mark.parametrize(
    "body,field",
    [
        ({"name": "x"}, "customer"),
        ({"customer": "abc", "name": "x"}, "customer"),
        ({"customer": 99999, "name": "x"}, "customer"),
        ({"customer": None, "name": "x"}, "customer"),
        ({"name": "x" * 101}, "name"),
        ({"name": "x", "birthday": "1980-02-30"}, "birthday"),
        ({"name": "x", "decision_role": "boss"}, "decision_role"),
        ({"name": "x", "phone": "abc"}, "phone"),
        ({"name": "x", "is_primary": "maybe"}, "is_primary"),
        ({"name": "x", "nickname": "y"}, "nickname"),
    ],
)
def test_bad_input(personas, api_as, acme, body, field):
    body = {"customer": acme.pk, **body} if field != "customer" else body
    response = api_as(personas.alice).post("/api/v1/contacts/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Contact.objects.exists()


def test_scope_on_contacts(personas, api_as, acme):
    contact = contact_create(actor=personas.alice, customer=acme, name="Li")
    carol = api_as(personas.carol)
    assert carol.get("/api/v1/contacts/").json()["count"] == 0
    for method, body in (("get", None), ("patch", {"title": "x"}), ("delete", None)):
        response = getattr(carol, method)(f"/api/v1/contacts/{contact.pk}/", body, format="json")
        assert response.status_code == 404
    # a contact for a customer she cannot see is a field error, revealing nothing
    response = carol.post("/api/v1/contacts/", {"customer": acme.pk, "name": "X"}, format="json")
    assert response.status_code == 400 and "customer" in response.json()["error"]["fields"]
    customer_share(actor=personas.alice, customer=acme, user=personas.carol)
    assert carol.get(f"/api/v1/contacts/{contact.pk}/").status_code == 200
    assert carol.patch(f"/api/v1/contacts/{contact.pk}/", {"title": "x"}, format="json").status_code == 403
    assert (
        carol.post("/api/v1/contacts/", {"customer": acme.pk, "name": "X"}, format="json").status_code == 403
    )
    assert (
        api_as(personas.alice)
        .patch(f"/api/v1/contacts/{contact.pk}/", {"customer": acme.pk}, format="json")
        .status_code
        == 400
    )
