import pytest
from django.utils import timezone

from openfunnel.audit.services import event_record
from openfunnel.customers.models import Customer, CustomerLevel, CustomerShare, Tag
from openfunnel.customers.services import contact_create, customer_create, customer_share, customer_update
from openfunnel.web.testing import get_with_panels


@pytest.fixture
def acme(personas):
    customer = customer_create(
        actor=personas.alice, name="Acme Machinery", phone="13800138000", region="上海"
    )
    contact_create(actor=personas.alice, customer=customer, name="王经理", title="采购总监")
    return customer


def test_list_with_filters_sorting_and_scope(personas, web_as, acme):
    customer_create(actor=personas.bob, name="Bravo Foods", region="杭州")
    customer_create(actor=personas.carol, name="Carol Steel")
    mike = web_as(personas.manager)
    page = mike.get("/customers/")
    assert page.status_code == 200
    assert (
        b"Acme Machinery" in page.content
        and b"Bravo Foods" in page.content
        and b"Carol Steel" not in page.content
    )
    assert b'data-testid="filters"' in page.content
    filtered = mike.get("/customers/?region=杭州").content
    assert b"Bravo Foods" in filtered and b"Acme Machinery" not in filtered
    searched = mike.get("/customers/?search=王经理").content  # by contact name
    assert b"Acme Machinery" in searched and b"Bravo Foods" not in searched
    sorted_page = mike.get("/customers/?sort=name").content.decode()
    assert sorted_page.index("Acme Machinery") < sorted_page.index("Bravo Foods")
    bad = mike.get("/customers/?owner=abc&created_after=nope")
    assert bad.status_code == 200 and b"errorlist" in bad.content
    alice = web_as(personas.alice).get("/customers/").content
    assert b"Acme Machinery" in alice and b"Bravo Foods" not in alice


def test_column_choice_is_saved(personas, web_as, acme):
    browser = web_as(personas.alice)
    browser.post("/list-columns/", {"key": "customers", "columns": ["name", "uscc"], "next": "/customers/"})
    content = browser.get("/customers/").content.decode()
    header = content.split("<thead>")[1].split("</thead>")[0]
    assert "USCC" in header and "Last follow-up" not in header and "Name" in header


def test_360_page_renders_facts_contacts_timeline(personas, web_as, acme):
    level = CustomerLevel.objects.get(code="vip")
    tag = Tag.objects.create(name="出口")
    customer_update(actor=personas.alice, customer=acme, data={"level": level, "tags": [tag]})
    customer_share(actor=personas.alice, customer=acme, user=personas.bob)
    event_record(
        actor=personas.alice,
        verb="activity.created",
        obj=acme,
        customer_id=acme.pk,
        data={
            "kind": "call",
            "content": "Discussed the Q3 order",
            "activity_id": 1,
            "occurred_at": timezone.now().isoformat(),
            "author_name": "Alice Rep",
        },
    )
    page = get_with_panels(web_as(personas.alice), f"/customers/{acme.pk}/")
    assert page.status_code == 200
    content = page.content.decode()
    for text in (
        "Acme Machinery",
        "VIP",
        "出口",
        "Alice Rep",
        "王经理",
        "采购总监",
        "Bob Rep",
        "Discussed the Q3 order",
        'data-testid="timeline"',
        'data-testid="attachments"',
    ):
        assert text in content, text
    assert content.index("Discussed the Q3 order") < content.index("created the customer")  # newest first
    assert "Level: — → VIP" in content


def test_timeline_pages_older_entries(personas, web_as, acme):
    for i in range(25):
        customer_update(actor=personas.alice, customer=acme, data={"notes": f"note {i}"})
    browser = web_as(personas.alice)
    first = browser.get(f"/customers/{acme.pk}/").content.decode()
    assert (
        'data-testid="timeline-older"' in first and "note 24" in first and "created the customer" not in first
    )
    older = browser.get(f"/customers/{acme.pk}/timeline/?page=2", HTTP_HX_REQUEST="true")
    assert (
        older.status_code == 200
        and b"created the customer" in older.content
        and b"<html" not in older.content
    )
    plain = browser.get(f"/customers/{acme.pk}/timeline/?page=2")
    assert plain.status_code == 302 and plain["Location"].endswith("?timeline_page=2")
    assert browser.get(f"/customers/{acme.pk}/?timeline_page=abc").status_code == 200


def test_out_of_scope_pages_are_404(personas, web_as, acme):
    carol = web_as(personas.carol)
    for url in (
        f"/customers/{acme.pk}/",
        f"/customers/{acme.pk}/edit/",
        f"/customers/{acme.pk}/delete/",
        f"/customers/{acme.pk}/transfer/",
        f"/customers/{acme.pk}/timeline/",
        f"/customers/{acme.pk}/contacts/new/",
        f"/contacts/{acme.contacts.get().pk}/",
        "/customers/999999/",
    ):
        assert carol.get(url).status_code == 404, url
    assert carol.post(f"/customers/{acme.pk}/unshare/", {"user": personas.carol.pk}).status_code == 404


def test_create_form_errors_and_duplicate_message(personas, web_as, acme):
    browser = web_as(personas.carol)
    invalid = browser.post(
        "/customers/new/", {"name": "", "status": "potential", "lat": "200", "phone": "12"}
    )
    assert invalid.status_code == 400
    content = invalid.content.decode()
    assert 'data-field="name"' in content and 'data-field="lat"' in content
    bad_phone = browser.post("/customers/new/", {"name": "Zed", "status": "potential", "phone": "12"})
    assert bad_phone.status_code == 400 and 'data-field="phone"' in bad_phone.content.decode()
    duplicate = browser.post("/customers/new/", {"name": "ACME MACHINERY CO LTD", "status": "potential"})
    assert duplicate.status_code == 400
    text = duplicate.content.decode()
    assert 'data-testid="duplicate"' in text and "Alice Rep" in text and 'data-testid="form-errors"' in text
    assert f"/customers/{acme.pk}/" not in text  # carol may not open it
    assert Customer.objects.count() == 1
    mike = web_as(personas.manager).post("/customers/new/", {"name": "Acme Machinery", "status": "potential"})
    assert f"/customers/{acme.pk}/" in mike.content.decode()  # in mike's scope: linked
    created = browser.post(
        "/customers/new/", {"name": "North Steel", "status": "potential", "lat": "39.9", "lng": "116.4"}
    )
    assert created.status_code == 302
    assert Customer.objects.get(name="North Steel").owner == personas.carol


def test_edit_form(personas, web_as, acme):
    browser = web_as(personas.alice)
    assert browser.get(f"/customers/{acme.pk}/edit/").status_code == 200
    saved = browser.post(
        f"/customers/{acme.pk}/edit/",
        {
            "name": "Acme Machinery",
            "status": "deal",
            "region": "上海",
            "phone": "13800138000",
            "version": "1",
        },
    )
    assert saved.status_code == 302
    acme.refresh_from_db()
    assert acme.status == "deal" and acme.version == 2
    stale = browser.post(
        f"/customers/{acme.pk}/edit/", {"name": "Acme Machinery", "status": "churned", "version": "1"}
    )
    assert stale.status_code == 400 and b"Someone else changed this record" in stale.content
    acme.refresh_from_db()
    assert acme.status == "deal"
    assert web_as(personas.finance).get(f"/customers/{acme.pk}/edit/").status_code == 403


def test_transfer_share_unshare_delete_pages(personas, web_as, acme):
    mike = web_as(personas.manager)
    assert mike.get(f"/customers/{acme.pk}/transfer/").status_code == 200
    bad = mike.post(f"/customers/{acme.pk}/transfer/", {"owner": personas.carol.pk})
    assert bad.status_code == 400  # carol is not a choice for mike
    assert mike.post(f"/customers/{acme.pk}/transfer/", {"owner": personas.bob.pk}).status_code == 302
    acme.refresh_from_db()
    assert acme.owner == personas.bob
    bob = web_as(personas.bob)
    assert (
        bob.post(f"/customers/{acme.pk}/share/", {"user": personas.carol.pk, "can_edit": "on"}).status_code
        == 302
    )
    assert CustomerShare.objects.get().can_edit
    assert web_as(personas.carol).get(f"/customers/{acme.pk}/").status_code == 200
    assert bob.post(f"/customers/{acme.pk}/unshare/", {"user": personas.carol.pk}).status_code == 302
    assert not CustomerShare.objects.exists()
    assert bob.post(f"/customers/{acme.pk}/unshare/", {"user": "abc"}).status_code == 302  # message, no 500
    assert bob.get(f"/customers/{acme.pk}/delete/").status_code == 403
    assert mike.get(f"/customers/{acme.pk}/delete/").status_code == 200
    assert mike.post(f"/customers/{acme.pk}/delete/").status_code == 302
    acme.refresh_from_db()
    assert acme.deleted_at is not None


def test_read_only_collaborator_gets_403_on_write_pages(personas, web_as, acme):
    customer_share(actor=personas.alice, customer=acme, user=personas.carol)
    carol = web_as(personas.carol)
    page = carol.get(f"/customers/{acme.pk}/").content.decode()
    assert f"/customers/{acme.pk}/edit/" not in page and f"/customers/{acme.pk}/contacts/new/" not in page
    contact = acme.contacts.get()
    for url in (
        f"/customers/{acme.pk}/edit/",
        f"/customers/{acme.pk}/share/",
        f"/customers/{acme.pk}/contacts/new/",
        f"/contacts/{contact.pk}/edit/",
        f"/contacts/{contact.pk}/delete/",
    ):
        assert carol.get(url).status_code == 403, url
    assert carol.post(f"/customers/{acme.pk}/share/", {"user": personas.bob.pk}).status_code == 403
    assert carol.post(f"/contacts/{contact.pk}/primary/").status_code == 403
    assert (
        carol.post(f"/customers/{acme.pk}/unshare/", {"user": personas.carol.pk}).status_code == 302
    )  # may leave
    assert carol.get(f"/customers/{acme.pk}/").status_code == 404


def test_list_page_query_count_is_flat(personas, web_as, django_assert_max_num_queries):
    tag = Tag.objects.create(name="T")
    for i in range(20):
        customer = customer_create(
            actor=personas.alice, name=f"Company {i}", tags=[tag], level=CustomerLevel.objects.get(code="a")
        )
        customer_share(actor=personas.alice, customer=customer, user=personas.bob)
    browser = web_as(personas.manager)
    with django_assert_max_num_queries(20):
        assert browser.get("/customers/").status_code == 200


def test_rep_cannot_use_manager_actions(personas, web_as, acme):
    alice = web_as(personas.alice)
    page = alice.get(f"/customers/{acme.pk}/").content.decode()
    assert f"/customers/{acme.pk}/transfer/" not in page and f"/customers/{acme.pk}/delete/" not in page
    assert alice.get(f"/customers/{acme.pk}/transfer/").status_code == 403
    assert alice.post(f"/customers/{acme.pk}/delete/").status_code == 403


def test_global_search_finds_customers_and_contacts_in_scope(personas, web_as, acme):
    found = web_as(personas.manager).get("/search/?q=Acme").content.decode()
    assert "Acme Machinery" in found
    assert "王经理" in web_as(personas.alice).get("/search/?q=王经理").content.decode()
    assert "Acme Machinery" not in web_as(personas.carol).get("/search/?q=Acme").content.decode()


def test_pages_speak_chinese(personas, acme):
    from django.test import Client

    browser = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    browser.force_login(personas.alice)
    content = browser.get(f"/customers/{acme.pk}/").content.decode()
    assert "时间线" in content and "联系人" in content and "创建了客户" in content and "潜在客户" in content
    duplicate = browser.post(
        "/customers/new/", {"name": "Acme Machinery", "status": "potential"}
    ).content.decode()
    assert "已存在公司名称相同的客户，负责人：Alice Rep。" in duplicate
