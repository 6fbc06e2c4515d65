import datetime as dt

import pytest
from django.test import RequestFactory
from django.utils import timezone, translation

from openfunnel.audit.services import event_record
from openfunnel.customers import selectors
from openfunnel.customers.filters import CustomerFilter
from openfunnel.customers.models import Customer, CustomerLevel, Tag
from openfunnel.customers.services import (
    contact_create,
    customer_create,
    customer_share,
    customer_touch_follow_up,
    customer_transfer,
    customer_update,
)


@pytest.fixture
def book(personas):
    """One customer per rep plus the manager's own."""
    return {
        "alice": customer_create(actor=personas.alice, name="Alice Co"),
        "bob": customer_create(actor=personas.bob, name="Bob Co"),
        "carol": customer_create(actor=personas.carol, name="Carol Co"),
        "mike": customer_create(actor=personas.manager, name="Mike Co"),
    }


def names(actor):
    return set(selectors.customer_list(actor=actor).values_list("name", flat=True))


def test_scope_matrix(personas, book):
    customer_share(actor=personas.carol, customer=book["carol"], user=personas.alice)
    assert names(personas.alice) == {"Alice Co", "Carol Co"}  # own + shared
    assert names(personas.bob) == {"Bob Co"}
    assert names(personas.manager) == {"Alice Co", "Bob Co", "Mike Co"}  # the East tree
    assert names(personas.carol) == {"Carol Co"}  # nothing of East
    assert (
        names(personas.director)
        == names(personas.finance)
        == names(personas.admin)
        == {"Alice Co", "Bob Co", "Carol Co", "Mike Co"}
    )
    assert not selectors.customer_can_edit(personas.finance, book["alice"])
    assert selectors.customer_can_edit(personas.manager, book["bob"])
    assert not selectors.customer_can_edit(personas.alice, book["carol"])  # read-only share


def test_contacts_follow_their_customers_scope(personas, book):
    contact = contact_create(actor=personas.alice, customer=book["alice"], name="Li")
    assert list(selectors.contacts_visible_to(personas.manager)) == [contact]
    assert not selectors.contacts_visible_to(personas.carol).exists()
    assert not selectors.contacts_visible_to(personas.bob).exists()


def _filtered(actor, **params):
    request = RequestFactory().get("/", params)
    request.user = actor
    filterset = CustomerFilter(params, queryset=selectors.customer_list(actor=actor), request=request)
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("name", flat=True))


def test_filters(personas, book):
    vip = CustomerLevel.objects.get(code="vip")
    tag = Tag.objects.create(name="出口")
    customer_update(
        actor=personas.alice,
        customer=book["alice"],
        data={"level": vip, "tags": [tag], "industry": "machinery", "region": "上海浦东"},
    )
    contact_create(actor=personas.bob, customer=book["bob"], name="张伟", phone="13900001111")
    director = personas.director
    assert _filtered(director, level=vip.pk) == {"Alice Co"}
    assert _filtered(director, tag=tag.pk) == {"Alice Co"}
    assert _filtered(director, industry="machinery", region="浦东") == {"Alice Co"}
    assert _filtered(director, owner=personas.carol.pk) == {"Carol Co"}
    assert _filtered(director, search="张伟") == {"Bob Co"}  # by contact name
    assert _filtered(director, search="bob") == {"Bob Co"}
    today = timezone.localdate()
    assert _filtered(director, created_after=today.isoformat()) == names(director)
    assert _filtered(director, created_before=(today - dt.timedelta(days=1)).isoformat()) == set()
    customer_touch_follow_up(
        customer_id=book["carol"].pk,
        occurred_at=timezone.now() - dt.timedelta(days=30),
        next_follow_up_at=None,
    )
    customer_touch_follow_up(customer_id=book["bob"].pk, occurred_at=timezone.now(), next_follow_up_at=None)
    week_ago = (today - dt.timedelta(days=7)).isoformat()
    assert _filtered(director, last_follow_up_after=week_ago) == {"Bob Co"}
    # "not followed up since" includes those never followed up
    assert _filtered(director, last_follow_up_before=week_ago) == {"Alice Co", "Carol Co", "Mike Co"}


def test_owner_filter_offers_only_users_in_scope(personas, book):
    request = RequestFactory().get("/", {"owner": personas.carol.pk})
    request.user = personas.alice
    filterset = CustomerFilter(
        request.GET, queryset=selectors.customer_list(actor=personas.alice), request=request
    )
    assert not filterset.is_valid()


def test_timeline_is_newest_first_with_readable_changes(personas, book):
    customer = book["alice"]
    level = CustomerLevel.objects.get(code="a")
    customer_update(actor=personas.alice, customer=customer, data={"level": level, "status": "deal"})
    customer_transfer(actor=personas.manager, customer=customer, owner=personas.bob)
    event_record(
        actor=personas.bob,
        verb="activity.created",
        obj=customer,
        customer_id=customer.pk,
        data={
            "kind": "visit",
            "content": "Visited the plant",
            "activity_id": 7,
            "occurred_at": timezone.now().isoformat(),
            "author_name": "Bob Rep",
        },
    )
    page = selectors.customer_timeline(actor=personas.bob, customer=customer, page="abc")
    with translation.override("en"):
        entries = selectors.timeline_entries(page.object_list)
        shown = {c.field: (str(c.before), str(c.after)) for c in entries[2].changes}
        kind_label = str(entries[0].kind_label)
    assert [e.event.verb for e in entries] == [
        "activity.created",
        "customer.owner_changed",
        "customer.updated",
        "customer.created",
    ]
    follow_up, owner_change, edit = entries[0], entries[1], entries[2]
    assert follow_up.is_follow_up and follow_up.content == "Visited the plant" and kind_label == "Visit"
    assert [(c.field, c.before, c.after) for c in owner_change.changes] == [("owner", "Alice Rep", "Bob Rep")]
    assert edit.event.verb == "customer.updated" and shown == {
        "level": ("—", "A"),
        "status": ("Potential", "Deal"),
    }


def test_timeline_respects_scope(personas, book):
    from openfunnel.core.errors import NotFound

    with pytest.raises(NotFound):
        selectors.customer_timeline(actor=personas.carol, customer=book["alice"])


def test_list_has_no_per_row_queries(personas, django_assert_max_num_queries):
    tag = Tag.objects.create(name="T")
    for i in range(15):
        customer = customer_create(
            actor=personas.alice, name=f"Company {i}", tags=[tag], level=CustomerLevel.objects.get(code="b")
        )
        customer_share(actor=personas.alice, customer=customer, user=personas.bob)
    actor = Customer.objects.get(name="Company 0").owner
    # the scope's shares and pools, the rows, tags, collaborators
    with django_assert_max_num_queries(5):
        rows = list(selectors.customer_list(actor=actor))
        assert len(rows) == 15
        for row in rows:
            _ = (
                row.owner.display_name,
                row.level.name,
                [t.name for t in row.tags.all()],
                [s.user.display_name for s in row.shares.all()],
            )


def test_global_search_respects_scope(personas, book):
    contact_create(actor=personas.alice, customer=book["alice"], name="王小明", phone="13800138000")
    assert [h.title for h in selectors.customers_search(personas.alice, "Alice", 10)] == ["Alice Co"]
    assert selectors.customers_search(personas.carol, "Alice", 10) == []
    assert [h.title for h in selectors.contacts_search(personas.manager, "+86 138 0013 8000", 10)] == [
        "王小明"
    ]
    assert selectors.contacts_search(personas.carol, "王小明", 10) == []


def test_owned_detail_is_the_detail_without_the_scope(personas, book, django_assert_num_queries):
    """The API's answer to a claim: the same customer, tags and collaborators as customer_detail, in three
    queries, with nothing left for the serializer to read."""
    from openfunnel.customers.api import CustomerSerializer

    customer = book["alice"]
    customer.tags.add(Tag.objects.create(name="Zeta"), Tag.objects.create(name="Alpha"))
    customer_share(actor=personas.alice, customer=customer, user=personas.bob, can_edit=True)
    request = RequestFactory().get("/")
    request.user = personas.alice
    expected = CustomerSerializer(selectors.customer_detail(actor=personas.alice, id=customer.pk),
                                  context={"request": request}).data
    for _ in range(2):   # the second time from the SQL compiled the first
        with django_assert_num_queries(3):
            owned = selectors.customer_owned_detail(actor=personas.alice, id=customer.pk)
        with django_assert_num_queries(0):
            assert CustomerSerializer(owned, context={"request": request}).data == expected
    assert expected["tag_names"] == ["Alpha", "Zeta"] and len(expected["collaborators"]) == 1
    with pytest.raises(selectors.NotFound):
        selectors.customer_owned_detail(actor=personas.bob, id=customer.pk)   # a collaborator, not the owner
