import pytest

from openfunnel.customers.models import Contact
from openfunnel.customers.services import contact_create, customer_create


@pytest.fixture
def acme(personas):
    return customer_create(actor=personas.alice, name="Acme")


def test_contact_pages(personas, web_as, acme):
    browser = web_as(personas.alice)
    assert browser.get(f"/customers/{acme.pk}/contacts/new/").status_code == 200
    invalid = browser.post(f"/customers/{acme.pk}/contacts/new/", {"name": "", "phone": "12"})
    assert invalid.status_code == 400 and b'data-field="name"' in invalid.content
    assert not Contact.objects.exists()
    created = browser.post(
        f"/customers/{acme.pk}/contacts/new/",
        {"name": "王经理", "phone": "13800138000", "decision_role": "decision_maker"},
    )
    assert created.status_code == 302
    contact = Contact.objects.get()
    assert contact.is_primary
    listing = browser.get("/contacts/?search=王").content.decode()
    assert "王经理" in listing and "Acme" in listing
    detail = browser.get(f"/contacts/{contact.pk}/").content.decode()
    assert "Decision maker" in detail and "added the contact" in detail
    edited = browser.post(
        f"/contacts/{contact.pk}/edit/",
        {
            "name": "王总",
            "phone": "13800138000",
            "version": "1",
            "decision_role": "decision_maker",
            "is_primary": "on",
        },
    )
    assert edited.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "王总" and contact.version == 2
    second = contact_create(actor=personas.alice, customer=acme, name="李工")
    assert browser.post(f"/contacts/{second.pk}/primary/").status_code == 302
    second.refresh_from_db()
    assert second.is_primary
    assert browser.get(f"/contacts/{contact.pk}/delete/").status_code == 200
    assert browser.post(f"/contacts/{contact.pk}/delete/").status_code == 302
    assert browser.get(f"/contacts/{contact.pk}/").status_code == 404


def test_contact_pages_scope_and_permission(personas, web_as, acme):
    contact = contact_create(actor=personas.alice, customer=acme, name="Li")
    carol = web_as(personas.carol)
    assert "Li" not in carol.get("/contacts/").content.decode().split("<tbody>")[1]
    for url in (
        f"/contacts/{contact.pk}/",
        f"/contacts/{contact.pk}/edit/",
        f"/contacts/{contact.pk}/delete/",
    ):
        assert carol.get(url).status_code == 404
    finance = web_as(personas.finance)
    assert finance.get(f"/contacts/{contact.pk}/").status_code == 200
    assert finance.get(f"/contacts/{contact.pk}/edit/").status_code == 403
    assert finance.post(f"/contacts/{contact.pk}/primary/").status_code == 403
