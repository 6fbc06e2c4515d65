"""The SQLite text-search index (customers.search_index): the searches through it find exactly what the scans
find, its triggers keep it equal to a rebuild from the tables, and no text is FTS5 syntax."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory

from openfunnel.customers import search_index, selectors
from openfunnel.customers.filters import ContactFilter, CustomerFilter
from openfunnel.customers.models import Contact, Customer
from openfunnel.customers.services import (
    contact_create,
    contact_delete,
    contact_update,
    customer_create,
    customer_delete,
    customer_update,
)

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite" or not search_index.supported(), reason="the index is SQLite's (FTS5 trigram)"
)

# Quotes, FTS5 operators and syntax, LIKE's wildcards, emoji, sentinel and control characters.
AWKWARD = ['"', '""', 'a"b', "Co\"", "*", "Al*", "OR", "a OR b", "NOT x", "AND", "NEAR(", "NEAR(a b)",
           "(", ")", "(Co)", "{name}:", "name:Alice", "name : Alice", "^Ali", "-", "+", "%", "_", "50%",
           "a_b", "\\", "'", "🙂", "🙂🙂🙂", "Bob 🙂", "\x01", "\x01\x01Co", "Co\x01", " ", "   x   ",
           "\u212a", "İ", "ß", "\U0010ffff", "\ud7ff"]


@pytest.fixture
def book(personas: Any) -> dict[str, Any]:
    """Customers of several reps with names, phones, e-mails and contacts in Chinese, mixed case, non-ASCII
    case, quotes and emoji; deleted and renamed rows."""
    made = {
        "alice": customer_create(actor=personas.alice, name="Alice Co", phone="021-5555 1234",
                                 email="Buyer@Alice.example"),
        "zhang": customer_create(actor=personas.alice, name="张三丰机械有限公司", phone="13800138000"),
        "apfel": customer_create(actor=personas.alice, name="Äpfel GmbH", email="info@apfel.example"),
        "quote": customer_create(actor=personas.alice, name='The "Best" Co (OR NEAR) 50% a_b'),
        "bob": customer_create(actor=personas.bob, name="Bob Co 🙂", email="bob@example.com"),
        "li": customer_create(actor=personas.bob, name="李张三贸易"),
        "carol": customer_create(actor=personas.carol, name="Carol Co"),
        "gone": customer_create(actor=personas.carol, name="Gone Alpha Co"),
        "renamed": customer_create(actor=personas.bob, name="Old Name Works"),
    }
    Customer.objects.filter(pk=made["alice"].pk).update(uscc="91310000MA1FL1234X")
    contacts = {
        "wang": contact_create(actor=personas.alice, customer=made["alice"], name="王小明", title="采购经理",
                               wechat="wxWang"),
        "mixed": contact_create(actor=personas.alice, customer=made["apfel"], name="McDonald Über",
                                email="mc@apfel.example"),
        "deleted": contact_create(actor=personas.bob, customer=made["bob"], name="Deleted Person"),
        "renamed": contact_create(actor=personas.bob, customer=made["li"], name="Earlier Name"),
        "zhang": contact_create(actor=personas.carol, customer=made["carol"], name="张三", phone="13900001111"),
    }
    contact_delete(actor=personas.bob, contact=contacts["deleted"])
    contact_update(actor=personas.bob, contact=contacts["renamed"], data={"name": "Later Name"})
    customer_update(actor=personas.bob, customer=made["renamed"], data={"name": "New Name Works"})
    customer_delete(actor=personas.admin, customer=made["gone"])
    Contact.objects.filter(pk=contacts["zhang"].pk).update(title="总经理")
    return made


def _texts() -> list[str]:
    """Substrings of one to five characters of the searchable values (every third start), in their case and
    swapped, and the awkward texts."""
    values = list(Customer.objects.values_list("name", "phone", "uscc", "email"))
    values += list(Contact.objects.values_list("name", "phone", "email", "title", "wechat"))
    texts = set(AWKWARD) | {"Old Name", "Earlier", "Deleted Person", "Alpha", "nothing like it"}
    for row in values:
        for value in row:
            for size in (1, 2, 3, 5):
                for start in range(0, max(len(value) - size + 1, 0), 3):
                    part = value[start:start + size]
                    texts |= {part, part.swapcase()}
    return sorted(texts)


def _customers(actor: Any, text: str) -> set[int]:
    request = RequestFactory().get("/")
    request.user = actor
    filterset = CustomerFilter({"search": text}, queryset=selectors.customer_list(actor=actor), request=request)
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def _contacts(actor: Any, text: str) -> set[int]:
    filterset = ContactFilter({"search": text}, queryset=selectors.contacts_visible_to(actor))
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def _global(actor: Any, text: str) -> list[tuple[str, str]]:
    hits = selectors.customers_search(actor, text, 50) + selectors.contacts_search(actor, text, 50)
    return [(hit.title, hit.url) for hit in hits]


def _scanned(monkeypatch: Any, search: Any, *args: Any) -> Any:
    with monkeypatch.context() as patched:
        patched.setattr(search_index, "ready", lambda connection=None: False)
        return search(*args)


@sqlite_only
def test_the_index_finds_exactly_what_the_scan_finds(personas: Any, book: Any, monkeypatch: Any) -> None:
    texts = _texts()
    assert len(texts) > 200
    for actor in (personas.alice, personas.director):
        for text in texts:
            assert _customers(actor, text) == _scanned(monkeypatch, _customers, actor, text), (actor, text)
            assert _contacts(actor, text) == _scanned(monkeypatch, _contacts, actor, text), (actor, text)
            assert _global(actor, text) == _scanned(monkeypatch, _global, actor, text), (actor, text)


@sqlite_only
def test_the_index_is_used_and_finds_what_the_search_promises(personas: Any, book: Any) -> None:
    assert search_index.ready()
    assert search_index.customer_ids("abc", "") is not None
    assert search_index.customer_ids("张三", "") is not None   # two characters: the terms' range
    assert search_index.customer_ids("a", "") is not None
    assert search_index.customer_ids("Äp", "") is None           # case outside ASCII, two characters: the scan
    director = personas.director
    assert _customers(director, "张三") == {book["zhang"].pk, book["li"].pk, book["carol"].pk}  # carol: contact
    assert _customers(director, "张三丰") == {book["zhang"].pk}
    assert _customers(director, "äpfel") == set()                # LIKE folds ASCII only, as before
    assert _customers(director, "Äpfel") == _customers(director, "ÄPFEL") == {book["apfel"].pk}
    assert _customers(director, "über") == set()
    assert _customers(director, "mcdonald") == {book["apfel"].pk}
    assert _customers(director, "ALICE.EXAMPLE") == {book["alice"].pk}
    assert _customers(director, "ma1fl") == {book["alice"].pk}   # the USCC
    assert _customers(director, "5555 12") == {book["alice"].pk}
    assert _customers(director, '"Best"') == _customers(director, "(OR NEAR)") == {book["quote"].pk}
    assert _customers(director, "50% a_b") == {book["quote"].pk}
    assert _customers(director, "Co 🙂") == {book["bob"].pk}
    assert _customers(director, "Old Name") == set()
    assert _customers(director, "New Name") == {book["renamed"].pk}
    assert _customers(director, "Deleted Person") == set()       # the contact is in the recycle bin
    assert _customers(director, "Earlier") == set()
    assert _customers(director, "Later Name") == {book["li"].pk}
    assert _customers(director, "Gone Alpha") == set()           # the customer is in the recycle bin
    assert _customers(personas.alice, "张三") == {book["zhang"].pk}   # within scope only
    assert _customers(personas.alice, "Bob Co") == set()
    assert _contacts(director, "采购") == {Contact.objects.get(name="王小明").pk}
    assert _contacts(director, "张三丰") == set()                # 张三丰机械 has no contact
    assert _contacts(director, "äpfel GmbH".replace("ä", "Ä")) == {Contact.objects.get(name="McDonald Über").pk}
    assert [title for title, _url in _global(director, "zhang")] == []
    assert [title for title, _url in _global(director, "张三")] == ["张三丰机械有限公司", "李张三贸易", "张三"]


@pytest.mark.parametrize("text", AWKWARD)
def test_no_text_is_an_error(personas: Any, book: Any, web_as: Any, api_as: Any, text: str) -> None:
    assert isinstance(_customers(personas.alice, text), set)
    assert isinstance(_contacts(personas.alice, text), set)
    assert isinstance(_global(personas.alice, text), list)
    for path in ("/customers/", "/contacts/", "/search/"):
        param = "q" if path == "/search/" else "search"
        assert web_as(personas.alice).get(path, {param: text}).status_code == 200, (path, text)
    assert api_as(personas.alice).get("/api/v1/customers/", {"search": text}).status_code in (200, 400)


@sqlite_only
def test_a_frequent_short_text_is_scanned(personas: Any, book: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(search_index, "MIN_DENSE", 2)
    assert search_index.customer_ids("co", "") is None       # in most names: the scan
    assert search_index.customer_ids("张三", "") is not None  # in three
    assert search_index.customer_ids("coc", "") is not None  # three characters: always the index
    assert _customers(personas.director, "co") == _scanned(monkeypatch, _customers, personas.director, "co")


def _index_rows() -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for index in search_index.INDEXES:
            cursor.execute(f"SELECT '{index.table}', term, doc, col, offset FROM {index.terms} "
                           "ORDER BY term, doc, col, offset")
            rows += cursor.fetchall()
    return rows


@sqlite_only
def test_the_triggers_keep_the_index_equal_to_a_rebuild(personas: Any, book: Any) -> None:
    assert search_index.installed() == search_index.CUSTOMERS.triggers | search_index.CONTACTS.triggers
    Customer.objects.filter(pk=book["carol"].pk).update(email="carol@Example.org", phone="")
    Contact.objects.filter(name="张三").delete()   # a row leaving the table for good
    Customer.objects.filter(pk=book["quote"].pk).update(status="deal")   # no searchable column: no rewrite
    kept = _index_rows()
    assert any(row[1] == "exa" for row in kept) and not any(row[1] == "张三\x01" for row in kept)
    search_index.rebuild()
    assert _index_rows() == kept


@sqlite_only
def test_missing_triggers_are_put_back_and_the_index_rebuilt(personas: Any, book: Any) -> None:
    """A later migration that rebuilds the table on SQLite drops its triggers; rows written meanwhile are
    indexed when migrate's installer runs."""
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER customers_customer_fts_update")
    Customer.objects.filter(pk=book["carol"].pk).update(name="Written Without Trigger")
    search_index.install_after_migrate(sender=None)
    assert _customers(personas.director, "without trigger") == {book["carol"].pk}
    assert "customers_customer_fts_update" in search_index.installed()


@sqlite_only
def test_a_bulk_load_without_the_triggers_ends_indexed(personas: Any, book: Any) -> None:
    notes: list[str] = []
    with search_index.suspended(note=notes.append):
        assert not search_index.installed()
        customer_create(actor=personas.alice, name="Loaded In Bulk")
    assert _customers(personas.alice, "in bulk") == {Customer.objects.get(name="Loaded In Bulk").pk}
    assert notes and "rebuilt" in notes[0]


def test_match_expression_quotes_the_text() -> None:
    assert search_index.match_expression('a "b" c') == '"a ""b"" c"'
    assert search_index.match_expression("NEAR(x", "name") == '{name} : "NEAR(x"'
