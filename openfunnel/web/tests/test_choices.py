"""Choice lists kept per process (reference data) and the user picker."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from openfunnel.accounts.scope import visible_owner_ids
from openfunnel.customers.models import CustomerLevel
from openfunnel.customers.services import level_create


def _level_queries(captured) -> int:
    return sum("customers_customerlevel" in q["sql"] for q in captured)


def test_filter_choices_are_read_once_and_follow_a_change(personas, web_as):
    browser = web_as(personas.admin)
    first = browser.get("/customers/").content.decode()
    with CaptureQueriesContext(connection) as again:
        second = browser.get("/customers/").content.decode()
    assert _level_queries(again.captured_queries) == 0
    assert first.count("<option") == second.count("<option")

    level_create(actor=personas.admin, code="gold", name="Gold partner", order=9)
    assert "Gold partner" in browser.get("/customers/").content.decode()
    # a rename is seen at once too, and the filter accepts the level it offers
    CustomerLevel.objects.filter(code="gold").get().save()
    level = CustomerLevel.objects.get(code="gold")
    page = browser.get(f"/customers/?level={level.pk}")
    assert page.status_code == 200 and f'value="{level.pk}" selected' in page.content.decode()


def test_a_level_that_is_not_offered_is_a_form_error(personas, web_as):
    page = web_as(personas.admin).get("/customers/?level=987654")
    assert page.status_code == 200 and "errorlist" in page.content.decode()


def test_owner_filter_is_a_picker_holding_only_the_chosen_user(personas, web_as):
    browser = web_as(personas.manager)
    html = browser.get("/customers/").content.decode()
    assert "data-user-picker" in html and "Bob Rep" not in html
    html = browser.get(f"/customers/?owner={personas.bob.pk}").content.decode()
    assert f'value="{personas.bob.pk}" selected' in html and "Bob Rep" in html
    # a user outside the manager's scope is refused, and not named
    html = browser.get(f"/customers/?owner={personas.carol.pk}").content.decode()
    assert "Carol Rep" not in html and "errorlist" in html


def test_picker_offers_the_users_of_its_set(personas, web_as):
    manager = web_as(personas.manager)
    names = lambda answer: {row["label"] for row in answer.json()["results"]}  # noqa: E731
    in_scope = names(manager.get("/pick/users/?set=scope"))
    assert in_scope == {"Mike Manager", "Alice Rep", "Bob Rep"}
    assert set(visible_owner_ids(personas.manager)) == {personas.manager.pk, personas.alice.pk, personas.bob.pk}
    assert names(manager.get("/pick/users/?set=scope&q=ali")) == {"Alice Rep"}
    assert names(manager.get("/pick/users/?set=scope&q=BOB")) == {"Bob Rep"}   # username or name, any case
    assert "Carol Rep" in names(manager.get("/pick/users/?set=active"))      # sharing crosses departments
    assert names(manager.get("/pick/users/?set=nonsense")) == in_scope        # an unknown set is the scope
    assert names(web_as(personas.alice).get("/pick/users/?set=scope")) == {"Alice Rep"}


def test_picker_answers_at_most_twenty(personas, web_as):
    from openfunnel.accounts.models import User

    User.objects.bulk_create([User(username=f"extra{i}", name=f"Extra {i}") for i in range(30)])
    answer = web_as(personas.admin).get("/pick/users/?set=active&q=extra").json()
    assert len(answer["results"]) == 20


def test_share_form_on_the_360_page_is_a_picker_and_shares(personas, web_as):
    from openfunnel.customers.services import customer_create

    customer = customer_create(actor=personas.alice, name="Picker Co")
    browser = web_as(personas.alice)
    html = browser.get(f"/customers/{customer.pk}/").content.decode()
    assert 'name="user"' in html and "Carol Rep" not in html
    answer = browser.post(f"/customers/{customer.pk}/share/", {"user": personas.carol.pk})
    assert answer.status_code in (200, 302)
    assert customer.shares.filter(user=personas.carol).exists()


def test_column_choice_is_kept_in_the_session(personas, web_as):
    browser = web_as(personas.alice)
    browser.post("/list-columns/", {"key": "customers", "columns": ["name", "phone"], "next": "/customers/"})
    with CaptureQueriesContext(connection) as captured:
        html = browser.get("/customers/").content.decode()
    assert not any("accounts_preference" in q["sql"] for q in captured.captured_queries)
    assert "<th>" in html and html.count("<th>") + html.count("<th ") <= 4


def test_360_panels_answer_htmx_only_and_known_names(personas, web_as):
    from openfunnel.customers.services import customer_create

    customer = customer_create(actor=personas.alice, name="Panel Co")
    browser = web_as(personas.alice)
    assert browser.get(f"/customers/{customer.pk}/panels/attachments/").status_code == 302
    assert browser.get(f"/customers/{customer.pk}/panels/nothing/", HTTP_HX_REQUEST="true").status_code == 404
    answer = browser.get(f"/customers/{customer.pk}/panels/activities/", HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    assert f'value="/customers/{customer.pk}/"' in answer.content.decode()  # a follow-up returns to the page
    assert web_as(personas.carol).get(f"/customers/{customer.pk}/panels/activities/",
                                      HTTP_HX_REQUEST="true").status_code == 404


def test_form_pages_offer_users_through_the_picker(personas, web_as):
    from openfunnel.customers.services import customer_create

    customer = customer_create(actor=personas.alice, name="Transfer Co")
    browser = web_as(personas.manager)
    html = browser.get(f"/customers/{customer.pk}/transfer/").content.decode()
    assert "data-user-picker" in html and "set=scope_active" in html and "Bob Rep" not in html
    assert browser.post(f"/customers/{customer.pk}/transfer/", {"owner": personas.carol.pk}).status_code == 400
    assert browser.post(f"/customers/{customer.pk}/transfer/", {"owner": personas.bob.pk}).status_code == 302
    customer.refresh_from_db()
    assert customer.owner == personas.bob


def test_kanban_keeps_the_pipelines_until_a_stage_changes(personas, web_as):
    from openfunnel.sales.models import Pipeline, Stage
    from openfunnel.sales.services import stage_update

    pipeline = Pipeline.objects.filter(is_active=True).order_by("order", "id").first()
    if pipeline is None:
        from openfunnel.sales.services import ensure_default_pipelines

        ensure_default_pipelines()
        pipeline = Pipeline.objects.filter(is_active=True).order_by("order", "id").first()
    browser = web_as(personas.manager)
    browser.get("/opportunities/")
    with CaptureQueriesContext(connection) as again:
        assert browser.get("/opportunities/").status_code == 200
    assert not any('FROM "sales_stage"' in q["sql"] for q in again.captured_queries)
    stage = Stage.objects.filter(pipeline=pipeline).order_by("order").first()
    stage_update(actor=personas.admin, stage=stage, data={"name": "First contact made"})
    assert "First contact made" in browser.get("/opportunities/").content.decode()


def test_reclaim_column_costs_one_query_whatever_the_pools(personas, web_as):
    import datetime as dt

    from django.utils import timezone

    from openfunnel.customers.models import Customer
    from openfunnel.pool.testing import make_pool
    from openfunnel.sales.models import Stage

    def customers_page_queries() -> tuple[int, str]:
        browser = web_as(personas.alice)
        browser.get("/customers/")
        with CaptureQueriesContext(connection) as captured:
            html = browser.get("/customers/").content.decode()
        return len(captured.captured_queries), html

    first = make_pool(personas, name="Pool 1", reclaim_no_follow_up_days=10)
    Customer.objects.create(name="Ticking Co", name_key="ticking co", owner=personas.alice, pool=first,
                            owner_since=timezone.now() - dt.timedelta(days=3))
    few, html = customers_page_queries()
    assert "7 days" in html
    stage = Stage.objects.order_by("pipeline__order", "order").first()
    for number in range(2, 6):
        pool = make_pool(personas, name=f"Pool {number}", reclaim_no_follow_up_days=5, exempt_stage=stage)
        Customer.objects.create(name=f"Customer {number}", name_key=f"customer {number}", owner=personas.alice,
                                pool=pool, owner_since=timezone.now() - dt.timedelta(days=1))
    many, html = customers_page_queries()
    assert many == few and "4 days" in html
    # a pool's rule change is seen at once
    first.reclaim_no_follow_up_days = 20
    first.save()
    assert "17 days" in customers_page_queries()[1]


def test_bulk_written_reference_rows_change_the_token(personas):
    from openfunnel.accounts.models import ReferenceVersion
    from openfunnel.core.bulk import RowWriter
    from openfunnel.customers.models import Customer, Tag

    ReferenceVersion.objects.get_or_create(pk=1)
    before = ReferenceVersion.objects.get(pk=1).token
    RowWriter().write(Tag, ["name", "color"], [("Bulk tag", "blue")])
    after = ReferenceVersion.objects.get(pk=1).token
    assert after != before
    from django.utils import timezone

    now = timezone.now()
    RowWriter().write(Customer, ["name", "name_key", "created_at", "updated_at"], [("Bulk Co", "bulk co", now, now)])
    assert ReferenceVersion.objects.get(pk=1).token == after  # not reference data
