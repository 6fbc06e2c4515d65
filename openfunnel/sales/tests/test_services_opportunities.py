import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from openfunnel.audit.models import Event
from openfunnel.catalog.models import Product
from openfunnel.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from openfunnel.customers.models import CustomerShare
from openfunnel.sales.models import Opportunity, OpportunityShare, StageChange
from openfunnel.sales.selectors import opportunities_visible_to, opportunity_get, opportunity_get_for_edit
from openfunnel.sales.services import (
    opportunity_checklist_mark,
    opportunity_contacts_set,
    opportunity_create,
    opportunity_delete,
    opportunity_lines_set,
    opportunity_restore,
    opportunity_share_remove,
    opportunity_share_set,
    opportunity_transfer,
    opportunity_update,
)


def test_create_defaults_to_the_default_pipeline_first_stage_and_audits(world):
    opp = opportunity_create(actor=world.p.alice, customer=world.alice_customer, name="注塑机项目",
                             amount=Decimal("560000"), source="trade_show")
    assert opp.pipeline == world.pipeline and opp.stage == world.stage("取得销售机会")
    assert opp.owner == world.p.alice and opp.probability == 5 and opp.status == "open"
    assert opp.forecast_category == "pipeline" and opp.amount == Decimal("560000.00")
    event = Event.objects.get(verb="opportunity.created", object_id=opp.pk)
    assert event.customer_id == world.alice_customer.pk and event.data["amount"] == "560000.00"
    assert StageChange.objects.get(opportunity=opp).to_stage_name == "取得销售机会"


def test_create_with_lines_and_contacts_amount_follows_lines(world):
    contact = world.alice_customer.contacts.get()
    opp = world.opp(lines=[{"product": world.product, "quantity": 2, "discount_percent": 5},
                           {"product": world.product.pk, "quantity": "1", "unit_price": "250000"}],
                    contacts=[{"contact": contact.pk, "role": "decision_maker"}])
    assert opp.amount_from_lines and opp.amount == Decimal("782000.00")  # 2*280000*0.95 + 250000
    assert list(opp.contact_links.values_list("contact_id", "role")) == [(contact.pk, "decision_maker")]
    other = Product.objects.create(code="X", name="Other", price=Decimal("10"))
    opportunity_lines_set(actor=world.p.alice, opportunity=opp, lines=[{"product": other, "quantity": 3}])
    opp.refresh_from_db()
    assert opp.amount == Decimal("30.00") and opp.lines.count() == 1
    assert Event.objects.get(verb="opportunity.lines_changed").changes == {"amount": ["782000.00", "30.00"]}


def test_explicit_amount_stops_following_lines(world):
    opp = world.opp(lines=[{"product": world.product, "quantity": 1}])
    opportunity_update(actor=world.p.alice, opportunity=opp, data={"amount": Decimal("100000")})
    opportunity_lines_set(actor=world.p.alice, opportunity=opp, lines=[{"product": world.product, "quantity": 2}])
    opp.refresh_from_db()
    assert not opp.amount_from_lines and opp.amount == Decimal("100000.00")
    opportunity_update(actor=world.p.alice, opportunity=opp, data={"amount_from_lines": True})
    opp.refresh_from_db()
    assert opp.amount == Decimal("560000.00")


@pytest.mark.parametrize("kwargs,field", [
    ({"name": ""}, "name"),
    ({"amount": Decimal("-1")}, "amount"),
    ({"source": "pigeon"}, "source"),
    ({"campaign": 999999}, "campaign"),
    ({"forecast_category": "closed"}, "forecast_category"),
    ({"probability": 50}, "probability"),  # the standard pipeline does not allow overrides
    ({"lines": [{"product": 999999}]}, "lines.0.product"),
    ({"lines": [{"product": "P", "quantity": 1}]}, "lines.0.product"),
    ({"contacts": [{"contact": 999999}]}, "contacts"),
    ({"owner": 999999}, "owner"),
])
def test_create_refuses_bad_input_and_creates_nothing(world, kwargs, field):
    with pytest.raises(ValidationFailed) as error:
        world.opp(**{"name": "x", **kwargs})
    assert field in error.value.fields
    assert not Opportunity.objects.exists()


def test_create_needs_a_visible_customer_and_an_owner_in_scope(world):
    with pytest.raises(ValidationFailed) as error:
        world.opp(actor=world.p.alice, customer=world.carol_customer)
    assert "customer" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        world.opp(actor=world.p.alice, owner=world.p.bob)
    assert "owner" in error.value.fields
    opp = world.opp(actor=world.p.manager, customer=world.alice_customer, owner=world.p.bob)
    assert opp.owner == world.p.bob
    with pytest.raises(PermissionDenied):
        world.opp(actor=world.p.finance)


def test_create_at_a_later_stage_applies_the_guard(world):
    with pytest.raises(ValidationFailed) as error:
        world.opp(stage=world.stage("报价"))
    assert error.value.code == "stage_requirements_missing"
    assert set(error.value.fields) == {"amount", "expected_close_date", "contacts"}  # 报价 + skipped 需求收集, 客户考察
    opp = world.opp(stage=world.stage("需求收集"), expected_close_date=dt.date(2026, 12, 31))
    assert opp.probability == 20


def test_scope_owner_shares_and_customer_shares(world):
    alice_opp = world.opp()
    bob_opp = world.opp(actor=world.p.bob, customer=world.bob_customer)
    carol_opp = world.opp(actor=world.p.carol, customer=world.carol_customer)
    visible = lambda user: set(opportunities_visible_to(user).values_list("id", flat=True))  # noqa: E731
    assert visible(world.p.alice) == {alice_opp.pk}
    assert visible(world.p.manager) == {alice_opp.pk, bob_opp.pk}
    assert visible(world.p.director) == {alice_opp.pk, bob_opp.pk, carol_opp.pk}
    with pytest.raises(NotFound):
        opportunity_get(actor=world.p.alice, id=bob_opp.pk)
    opportunity_share_set(actor=world.p.bob, opportunity=bob_opp, user=world.p.alice)
    assert visible(world.p.alice) == {alice_opp.pk, bob_opp.pk}
    with pytest.raises(PermissionDenied):
        opportunity_get_for_edit(actor=world.p.alice, id=bob_opp.pk)
    opportunity_share_set(actor=world.p.bob, opportunity=bob_opp, user=world.p.alice, can_edit=True)
    opportunity_update(actor=world.p.alice, opportunity=bob_opp, data={"next_step": "发样品"})
    opportunity_share_remove(actor=world.p.bob, opportunity=bob_opp, user=world.p.alice)
    assert not OpportunityShare.objects.exists()
    CustomerShare.objects.create(customer=world.carol_customer, user=world.p.alice)
    assert carol_opp.pk in visible(world.p.alice)
    with pytest.raises(PermissionDenied):
        opportunity_update(actor=world.p.alice, opportunity=carol_opp, data={"name": "x"})


def test_other_reps_opportunity_is_not_found_for_writes(world):
    bob_opp = world.opp(actor=world.p.bob, customer=world.bob_customer)
    with pytest.raises(NotFound):
        opportunity_update(actor=world.p.alice, opportunity=bob_opp, data={"name": "mine"})
    with pytest.raises(NotFound):
        opportunity_share_set(actor=world.p.alice, opportunity=bob_opp, user=world.p.alice)
    bob_opp.refresh_from_db()
    assert bob_opp.name != "mine"


def test_update_counts_close_date_push_backs_and_checks_version(world):
    opp = world.opp(expected_close_date=dt.date(2026, 6, 30))
    opportunity_update(actor=world.p.alice, opportunity=opp, data={"expected_close_date": dt.date(2026, 7, 31)},
                       expected_version=opp.version)
    opportunity_update(actor=world.p.alice, opportunity=opp, data={"expected_close_date": dt.date(2026, 7, 15)})
    opportunity_update(actor=world.p.alice, opportunity=opp, data={"expected_close_date": "2026-09-01"})
    opp.refresh_from_db()
    assert opp.close_date_push_count == 2
    assert Event.objects.filter(verb="opportunity.close_date_pushed", customer_id=world.alice_customer.pk).count() == 2
    with pytest.raises(Conflict) as error:
        opportunity_update(actor=world.p.alice, opportunity=opp, data={"name": "late"}, expected_version=1)
    assert error.value.code == "stale_version"
    with pytest.raises(ValidationFailed):
        opportunity_update(actor=world.p.alice, opportunity=opp, data={"stage": world.stage("报价").pk})


def test_pushing_the_date_clears_the_overdue_flag(world):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    opp = world.opp(expected_close_date=yesterday)
    Opportunity.objects.filter(pk=opp.pk).update(is_overdue=True)
    opportunity_update(actor=world.p.alice, opportunity=opp, data={"expected_close_date": yesterday + dt.timedelta(days=30)})
    opp.refresh_from_db()
    assert not opp.is_overdue and opp.close_date_push_count == 1


def test_probability_override_only_where_the_pipeline_allows(world):
    opp = world.opp()
    with pytest.raises(ValidationFailed):
        opportunity_update(actor=world.p.alice, opportunity=opp, data={"probability": 40})
    world.pipeline.allow_probability_override = True
    world.pipeline.save()
    opportunity_update(actor=world.p.alice, opportunity=opp, data={"probability": 40, "forecast_category": "commit"})
    opp.refresh_from_db()
    assert opp.probability == 40 and opp.forecast_category == "commit"


def test_transfer_needs_the_transfer_permission(world):
    opp = world.opp()
    with pytest.raises(PermissionDenied):
        opportunity_transfer(actor=world.p.alice, opportunity=opp, owner=world.p.bob)
    opportunity_transfer(actor=world.p.manager, opportunity=opp, owner=world.p.bob)
    opp.refresh_from_db()
    assert opp.owner == world.p.bob
    assert Event.objects.get(verb="opportunity.transferred").changes == {"owner": [world.p.alice.pk, world.p.bob.pk]}
    assert world.p.bob.notifications.filter(kind="assignment").exists()


def test_contacts_must_belong_to_the_customer(world):
    opp = world.opp()
    from openfunnel.customers.services import contact_create

    foreign = contact_create(actor=world.p.bob, customer=world.bob_customer, name="李工")
    with pytest.raises(ValidationFailed):
        opportunity_contacts_set(actor=world.p.alice, opportunity=opp, contacts=[{"contact": foreign.pk}])
    mine = world.alice_customer.contacts.get()
    opportunity_contacts_set(actor=world.p.alice, opportunity=opp, contacts=[{"contact": mine, "role": "influencer"}])
    assert opp.contact_links.get().role == "influencer"
    with pytest.raises(ValidationFailed):
        opportunity_contacts_set(actor=world.p.alice, opportunity=opp, contacts=[{"contact": mine, "role": "boss"}])


def test_checklist_marks_items_of_the_current_stage(world):
    opp = world.opp()
    item = world.stage("取得销售机会").checklist[0]
    opportunity_checklist_mark(actor=world.p.alice, opportunity=opp, item=item, done=True)
    opp.refresh_from_db()
    assert opp.checklist_done == {str(world.stage("取得销售机会").pk): [item]}
    with pytest.raises(ValidationFailed):
        opportunity_checklist_mark(actor=world.p.alice, opportunity=opp, item="not an item", done=True)


def test_delete_and_restore(world):
    opp = world.opp()
    with pytest.raises(PermissionDenied):
        opportunity_delete(actor=world.p.alice, opportunity=opp)
    opportunity_delete(actor=world.p.manager, opportunity=opp)
    assert not opportunities_visible_to(world.p.manager).exists()
    with pytest.raises(PermissionDenied):
        opportunity_restore(actor=world.p.manager, id=opp.pk)
    opportunity_restore(actor=world.p.admin, id=opp.pk)
    assert opportunities_visible_to(world.p.alice).filter(pk=opp.pk).exists()
    assert Event.objects.filter(verb__in=["opportunity.deleted", "opportunity.restored"]).count() == 2


def test_opportunity_from_lead_through_lead_conversion(world):
    from openfunnel.leads.models import Campaign
    from openfunnel.leads.services import lead_convert, lead_create
    from openfunnel.leads.services.conversion import OPPORTUNITY_FROM_LEAD
    from openfunnel.sales.services import opportunity_from_lead

    campaign = Campaign.objects.create(name="2026 广交会")
    lead = lead_create(actor=world.p.alice, company="佛山顺德家电有限公司", name="陈经理", source="trade_show",
                       campaign=campaign)
    saved = list(OPPORTUNITY_FROM_LEAD)
    OPPORTUNITY_FROM_LEAD[:] = [opportunity_from_lead]
    try:
        with pytest.raises(ValidationFailed) as error:
            lead_convert(actor=world.p.alice, lead=lead, create_opportunity=True,
                         opportunity={"amount": "abc", "colour": "red"})
        assert set(error.value.fields) == {"opportunity.colour"}
        with pytest.raises(ValidationFailed) as error:
            lead_convert(actor=world.p.alice, lead=lead, create_opportunity=True, opportunity={"amount": "abc"})
        assert "opportunity.amount" in error.value.fields
        result = lead_convert(actor=world.p.alice, lead=lead, create_opportunity=True,
                              opportunity={"amount": "120000.00", "expected_close_date": "2026-12-31",
                                           "contact_role": "decision_maker"})
    finally:
        OPPORTUNITY_FROM_LEAD[:] = saved
    opp = result.opportunity
    assert opp.name == "佛山顺德家电有限公司" and opp.amount == Decimal("120000.00")
    assert (opp.source, opp.campaign, opp.lead, opp.owner) == ("trade_show", campaign, lead, world.p.alice)
    assert opp.contact_links.get().contact == result.contact and opp.contact_links.get().role == "decision_maker"
    assert Event.objects.get(verb="opportunity.created").lead_id == lead.pk


def test_opportunities_of_a_deleted_customer_are_hidden(world):
    from django.utils import timezone

    from openfunnel.customers.models import Customer

    opp = world.opp()
    Customer.objects.filter(pk=world.alice_customer.pk).update(deleted_at=timezone.now())
    assert not opportunities_visible_to(world.p.alice).filter(pk=opp.pk).exists()
    with pytest.raises(NotFound):
        opportunity_get(actor=world.p.admin, id=opp.pk)


def test_the_scope_follows_the_customer_through_its_copy_on_the_opportunity(world):
    from openfunnel.customers.models import Customer
    from openfunnel.customers.services import customer_share
    from openfunnel.sales import selectors

    mine = world.opp()                                                     # alice's, on alice's customer
    on_my_customer = world.opp(actor=world.p.admin, customer=world.alice_customer)   # owned outside, on alice's
    elsewhere = world.opp(actor=world.p.carol, customer=world.carol_customer)   # seen once the customer is shared
    gone = world.opp(actor=world.p.bob, customer=world.bob_customer)
    Customer.objects.filter(pk=world.bob_customer.pk).update(deleted_at=timezone.now())
    shared_customer_opp = world.opp(actor=world.p.carol, customer=world.carol_customer, name="共享客户的")
    customer_share(actor=world.p.carol, customer=world.carol_customer, user=world.p.manager)

    def seen(actor):
        return set(selectors.opportunities_visible_to(actor).values_list("pk", flat=True))

    large = seen(world.p.manager)
    assert {mine.pk, on_my_customer.pk, elsewhere.pk, shared_customer_opp.pk} <= large and gone.pk not in large
    assert on_my_customer.pk in seen(world.p.alice) and elsewhere.pk not in seen(world.p.alice)
