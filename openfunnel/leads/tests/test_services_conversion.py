import pytest

from openfunnel.audit.models import Event
from openfunnel.core.errors import Conflict, PermissionDenied, ValidationFailed
from openfunnel.customers.models import Contact, Customer, DedupSettings
from openfunnel.customers.services import customer_create
from openfunnel.leads.models import Lead
from openfunnel.leads.services import lead_convert, lead_create, register_opportunity_from_lead
from openfunnel.leads.services.conversion import OPPORTUNITY_FROM_LEAD


def test_conversion_creates_customer_and_primary_contact_carrying_source_and_campaign(personas, alice_lead, campaign):
    result = lead_convert(actor=personas.alice, lead=alice_lead)
    customer, contact = result.customer, result.contact
    assert customer.name == "上海星辰科技有限公司" and customer.owner == personas.alice
    assert customer.source == "trade_show" and customer.campaign == campaign and customer.region == "上海"
    assert customer.phone_key == "13800138000" and customer.email == "wang@xingchen.example"
    assert contact.customer == customer and contact.is_primary and contact.name == "王伟" and contact.title == "采购经理"
    assert result.opportunity is None
    alice_lead.refresh_from_db()
    assert alice_lead.status == Lead.Status.CONVERTED and alice_lead.converted_at is not None
    assert alice_lead.converted_customer == customer and alice_lead.converted_contact == contact
    event = Event.objects.get(verb="lead.converted")
    assert event.lead_id == alice_lead.pk and event.customer_id == customer.pk  # on both timelines
    assert event.data["customer"] == customer.pk and event.data["contact"] == contact.pk


def test_manager_converting_a_reps_lead_makes_the_rep_the_customer_owner(personas, bob_lead):
    result = lead_convert(actor=personas.manager, lead=bob_lead)
    assert result.customer.owner == personas.bob


def test_converting_a_pool_lead_makes_the_converter_the_owner(personas, pool_lead):
    assert lead_convert(actor=personas.manager, lead=pool_lead).customer.owner == personas.manager


def test_a_duplicate_on_conversion_rolls_everything_back(personas, alice_lead):
    # The customer was entered while the admin had switched the name check off (a lead and a customer
    # can otherwise never both exist with one name); it is switched on again before the conversion.
    config = DedupSettings.current()
    config.check_name = False
    config.save()
    customer_create(actor=personas.carol, name="上海星辰科技股份有限公司")
    DedupSettings.objects.update(check_name=True)
    with pytest.raises(Conflict) as error:
        lead_convert(actor=personas.alice, lead=alice_lead)
    assert error.value.code == "duplicate" and error.value.extra["existing"]["owner_name"] == "Carol Rep"
    assert Customer.objects.count() == 1 and not Contact.objects.exists()
    alice_lead.refresh_from_db()
    assert alice_lead.status == Lead.Status.NEW and alice_lead.converted_customer is None
    assert not Event.objects.filter(verb__in=["lead.converted", "customer.created", "contact.created"],
                                    lead_id=alice_lead.pk).exists()


def test_the_lead_itself_is_not_its_own_duplicate(personas):
    lead = lead_create(actor=personas.alice, company="Acme", phone="13700137000", email="a@acme.example")
    assert lead_convert(actor=personas.alice, lead=lead).customer.name == "Acme"


def test_attach_to_an_existing_visible_customer_creates_only_the_contact(personas, alice_lead):
    existing = customer_create(actor=personas.alice, name="Xingchen Group")
    result = lead_convert(actor=personas.alice, lead=alice_lead, customer=existing.pk)
    assert result.customer == existing and Customer.objects.count() == 1
    assert result.contact.customer == existing
    assert Event.objects.get(verb="lead.converted").data["existing_customer"] is True


def test_attach_to_an_invisible_customer_is_a_field_error(personas, alice_lead):
    carols = customer_create(actor=personas.carol, name="Northern Steel")
    with pytest.raises(ValidationFailed) as error:
        lead_convert(actor=personas.alice, lead=alice_lead, customer=carols.pk)
    assert "customer" in error.value.fields
    assert not Contact.objects.exists()


def test_a_lead_without_a_person_converts_without_a_contact(personas):
    lead = lead_create(actor=personas.alice, company="Nameless Ltd")
    result = lead_convert(actor=personas.alice, lead=lead)
    assert result.contact is None and result.customer.name == "Nameless Ltd"


def test_converting_twice_is_an_invalid_transition(personas, alice_lead):
    lead_convert(actor=personas.alice, lead=alice_lead)
    with pytest.raises(Conflict) as error:
        lead_convert(actor=personas.alice, lead=alice_lead)
    assert error.value.code == "invalid_transition"
    assert Customer.objects.count() == 1


def test_conversion_creates_the_opportunity_with_source_and_campaign(personas, alice_lead):
    result = lead_convert(actor=personas.alice, lead=alice_lead, create_opportunity=True,
                          opportunity={"name": "First order", "amount": "1000.00"})
    assert result.opportunity is not None and result.opportunity.customer == result.customer
    assert result.opportunity.source == alice_lead.source and result.opportunity.campaign_id == alice_lead.campaign_id


def test_the_opportunity_hook_runs_inside_the_conversion(personas, alice_lead):
    seen = {}

    class Opportunity:
        pk = 77

    def create(*, actor, lead, customer, contact, data):
        seen.update(customer=customer, data=data)
        return Opportunity()

    saved = list(OPPORTUNITY_FROM_LEAD)
    register_opportunity_from_lead(create)
    try:
        result = lead_convert(actor=personas.alice, lead=alice_lead, create_opportunity=True,
                              opportunity={"amount": "1000.00"})
    finally:
        OPPORTUNITY_FROM_LEAD[:] = saved
    assert result.opportunity.pk == 77 and seen["customer"] == result.customer and seen["data"] == {"amount": "1000.00"}


def test_finance_may_not_convert(personas, alice_lead):
    with pytest.raises(PermissionDenied):
        lead_convert(actor=personas.finance, lead=alice_lead)
