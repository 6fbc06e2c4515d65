from django.template import Context, Template
from django.test import RequestFactory

from openfunnel.activities.models import Activity, Attachment
from openfunnel.activities.services import activity_create
from openfunnel.activities.tests.conftest import upload
from openfunnel.audit.models import Event


def render_panel(user, **records):
    request = RequestFactory().get("/customers/1/")
    request.user = user
    template = Template("{% load activities_tags %}{% activity_panel " +
                        " ".join(f"{k}={k}" for k in records) + " %}")
    return template.render(Context({"request": request, **records}))


def test_panel_shows_form_and_recent_follow_ups(personas, alice_customer, alice_contact):
    activity_create(actor=personas.alice, kind="call", content="Discussed the valve order", customer=alice_customer)
    html = render_panel(personas.alice, customer=alice_customer)
    assert 'data-testid="activity-form"' in html and 'action="/activities/new/"' in html
    assert 'name="customer"' in html and f'value="{alice_customer.pk}"' in html
    assert "Wang Wei" in html  # the contact select
    assert 'name="next" value="/customers/1/"' in html
    assert "Discussed the valve order" in html
    assert f"/activities/?customer={alice_customer.pk}" in html


def test_panel_for_a_rep_without_the_permission_has_no_form(personas, alice_customer):
    html = render_panel(personas.finance, customer=alice_customer)
    assert 'data-testid="activity-form"' not in html


def test_logging_a_follow_up_from_the_panel(personas, web_as, alice_customer, alice_contact):
    browser = web_as(personas.alice)
    response = browser.post("/activities/new/", {
        "kind": "visit", "occurred_at": "2026-01-05T10:30", "content": "Visited the plant, @bob please quote",
        "contact": alice_contact.pk, "customer": alice_customer.pk, "next": "/customers/x/",
        "next_follow_up_at": "2026-01-12T09:00", "files": [upload("spec.pdf", b"%PDF-1", "application/pdf")]})
    assert response.status_code == 302 and response["Location"] == "/customers/x/"
    activity = Activity.objects.get()
    assert activity.kind == "visit" and activity.contact == alice_contact
    assert list(activity.mentions.all()) == [personas.bob]
    assert Attachment.objects.get().activity == activity
    alice_customer.refresh_from_db()
    assert alice_customer.last_follow_up_at == activity.occurred_at
    assert Event.objects.filter(verb="activity.created", customer_id=alice_customer.pk).exists()


def test_invalid_post_re_renders_with_field_errors(personas, web_as, alice_customer):
    browser = web_as(personas.alice)
    response = browser.post("/activities/new/", {"kind": "call", "content": "", "customer": alice_customer.pk,
                                                 "next": "/customers/x/"})
    assert response.status_code == 400
    assert b'data-field="content"' in response.content and b'href="/customers/x/"' in response.content
    assert not Activity.objects.exists()


def test_out_of_scope_customer_is_404(personas, web_as, carol_customer):
    browser = web_as(personas.alice)
    response = browser.post("/activities/new/", {"kind": "call", "content": "x", "customer": carol_customer.pk})
    assert response.status_code == 404
    assert not Activity.objects.exists()
