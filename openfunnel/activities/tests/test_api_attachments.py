from openfunnel.activities.models import Attachment
from openfunnel.activities.services import activity_create
from openfunnel.activities.tests.conftest import upload
from openfunnel.audit.models import Event


def test_attach_to_customer_and_activity_then_list(personas, api_as, alice_customer):
    api = api_as(personas.alice)
    response = api.post("/api/v1/attachments/", {"file": upload("plan.txt"), "customer": alice_customer.pk},
                        format="multipart")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "plan.txt" and body["customer"] == alice_customer.pk and body["size"] == 5
    assert body["url"] == f"/attachments/{body['id']}/"
    event = Event.objects.get(verb="attachment.added")
    assert event.customer_id == alice_customer.pk and event.data["name"] == "plan.txt"

    activity = activity_create(actor=personas.alice, kind="call", content="x", customer=alice_customer)
    response = api.post("/api/v1/attachments/", {"file": upload("photo.png", b"\x89PNG", "image/png"),
                                                  "activity": activity.pk}, format="multipart")
    assert response.status_code == 201 and response.json()["activity"] == activity.pk
    assert api.get(f"/api/v1/attachments/?customer={alice_customer.pk}").json()["count"] == 2
    assert api.get(f"/api/v1/attachments/?activity={activity.pk}").json()["count"] == 1
    assert api.get("/api/v1/attachments/?customer=abc").status_code == 400
    assert api_as(personas.bob).get("/api/v1/attachments/").json()["count"] == 0
    assert api_as(personas.manager).get("/api/v1/attachments/").json()["count"] == 2


def test_bad_uploads(personas, api_as, alice_customer, carol_customer):
    api = api_as(personas.alice)
    assert api.post("/api/v1/attachments/", {"customer": alice_customer.pk}, format="multipart").status_code == 400
    both = api.post("/api/v1/attachments/", {"file": upload(), "customer": alice_customer.pk, "lead": 1},
                    format="multipart")
    assert both.status_code in (400, 404)
    unknown = api.post("/api/v1/attachments/", {"file": upload(), "customer": alice_customer.pk, "x": "1"},
                       format="multipart")
    assert unknown.status_code == 400 and "x" in unknown.json()["error"]["fields"]
    assert api.post("/api/v1/attachments/", {"file": upload(), "customer": carol_customer.pk},
                    format="multipart").status_code == 404
    empty = api.post("/api/v1/attachments/", {"file": upload("e.txt", b""), "customer": alice_customer.pk},
                     format="multipart")
    assert empty.status_code == 400
    assert not Attachment.objects.exists()


def test_read_only_collaborator_cannot_attach(personas, api_as, carol_customer):
    from openfunnel.customers.models import CustomerShare

    CustomerShare.objects.create(customer=carol_customer, user=personas.alice, can_edit=False)
    response = api_as(personas.alice).post("/api/v1/attachments/", {"file": upload(), "customer": carol_customer.pk},
                                           format="multipart")
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_delete_attachment(personas, api_as, alice_customer):
    activity = activity_create(actor=personas.alice, kind="call", content="x", customer=alice_customer,
                               files=[upload()])
    attachment = activity.attachments.get()
    assert api_as(personas.bob).delete(f"/api/v1/attachments/{attachment.pk}/").status_code == 404
    assert api_as(personas.alice).delete(f"/api/v1/attachments/{attachment.pk}/").status_code == 204
    assert not Attachment.objects.exists()


def test_long_and_odd_file_names(personas, api_as, web_as, alice_customer):
    api = api_as(personas.alice)
    for name in ("报价单" * 30 + ".pdf", "a." + "x" * 200, "../../etc/passwd", ".hidden"):
        response = api.post("/api/v1/attachments/", {"file": upload(name), "customer": alice_customer.pk},
                            format="multipart")
        assert response.status_code in (201, 400), (name, response.content)
    for attachment in Attachment.objects.all():
        assert "/" not in attachment.name and len(attachment.file.name) <= 100
        assert web_as(personas.alice).get(f"/attachments/{attachment.pk}/").status_code == 200
    assert Attachment.objects.filter(name__startswith="报价单").exists()
