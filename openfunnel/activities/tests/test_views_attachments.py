from openfunnel.activities.services import activity_create
from openfunnel.activities.tests.conftest import upload


def test_download_only_for_those_who_see_the_parent(personas, web_as, alice_customer):
    activity = activity_create(actor=personas.alice, kind="call", content="x", customer=alice_customer,
                               files=[upload("quote.txt", b"secret price")])
    attachment = activity.attachments.get()
    url = f"/attachments/{attachment.pk}/"
    response = web_as(personas.alice).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"secret price"
    assert "quote.txt" in response["Content-Disposition"]
    assert web_as(personas.manager).get(url).status_code == 200
    assert web_as(personas.carol).get(url).status_code == 404  # another department's rep
    assert web_as(personas.bob).get(url).status_code == 404    # same team, but not his customer
    assert web_as(personas.alice).get("/attachments/999999/").status_code == 404


def test_deleted_follow_up_hides_its_files(personas, web_as, alice_customer):
    from openfunnel.activities.services import activity_delete

    activity = activity_create(actor=personas.alice, kind="call", content="x", customer=alice_customer,
                               files=[upload()])
    attachment = activity.attachments.get()
    activity_delete(actor=personas.alice, activity=activity)
    assert web_as(personas.alice).get(f"/attachments/{attachment.pk}/").status_code == 404


def test_anonymous_is_sent_to_login(db, client):
    response = client.get("/attachments/1/")
    assert response.status_code == 302 and "login" in response["Location"]


def test_active_content_is_never_served_inline(personas, web_as, alice_customer):
    activity = activity_create(actor=personas.alice, kind="call", content="x", customer=alice_customer,
                               files=[upload("x.svg", b"<svg onload=alert(1)>", "image/svg+xml"),
                                      upload("p.png", b"\x89PNG", "image/png")])
    svg, png = activity.attachments.order_by("name")[1], activity.attachments.order_by("name")[0]
    browser = web_as(personas.alice)
    response = browser.get(f"/attachments/{svg.pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert browser.get(f"/attachments/{png.pk}/")["Content-Type"] == "image/png"


def test_upload_form_and_page(personas, web_as, alice_customer, carol_customer):
    from django.template import Context, Template
    from django.test import RequestFactory

    from openfunnel.activities.models import Attachment
    from openfunnel.audit.models import Event

    request = RequestFactory().get("/customers/1/")
    for user, shown in ((personas.alice, True), (personas.finance, False)):
        request.user = user
        html = Template("{% load activities_tags %}{% attachment_upload customer=c %}").render(
            Context({"request": request, "c": alice_customer}))
        assert ('data-testid="attachment-upload"' in html) is shown
    browser = web_as(personas.alice)
    response = browser.post("/attachments/new/", {"customer": alice_customer.pk, "next": "/customers/1/",
                                                  "file": upload("contract.pdf", b"%PDF", "application/pdf")})
    assert response.status_code == 302 and response["Location"] == "/customers/1/"
    attachment = Attachment.objects.get()
    assert attachment.customer == alice_customer and attachment.activity is None
    assert Event.objects.filter(verb="attachment.added", customer_id=alice_customer.pk).exists()
    assert browser.post("/attachments/new/", {"customer": alice_customer.pk}).status_code == 400
    assert browser.post("/attachments/new/", {"customer": carol_customer.pk, "file": upload()}).status_code == 404
    assert web_as(personas.finance).post("/attachments/new/", {"customer": alice_customer.pk,
                                                               "file": upload()}).status_code == 403
    assert Attachment.objects.count() == 1
