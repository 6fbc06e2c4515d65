import pytest

from openfunnel.audit.models import Event
from openfunnel.automation.models import Notification
from openfunnel.core.errors import Conflict, PermissionDenied, ValidationFailed
from openfunnel.customers.services import customer_create
from openfunnel.leads.models import Lead
from openfunnel.leads.services import lead_bulk_create


def test_trade_fair_cards_for_five_reps_in_one_go(personas):
    rows = [{"company": f"展会客户{i}有限公司", "name": f"联系人{i}", "phone": f"1390000{i:04d}",
             "owner": [personas.alice, personas.bob][i % 2]} for i in range(40)]
    leads = lead_bulk_create(actor=personas.manager, rows=rows)
    assert len(leads) == 40 and Lead.objects.count() == 40
    assert Lead.objects.filter(owner=personas.alice).count() == 20
    assert Event.objects.filter(verb="lead.created", lead_id__in=[lead.pk for lead in leads]).count() == 40
    # one notice per owner, not one per card
    assert Notification.objects.filter(recipient=personas.alice).count() == 1


def test_a_repeated_row_refuses_the_whole_batch(personas):
    rows = [{"company": "甲公司"}, {"company": "乙公司"}, {"company": "甲 有限公司"}]
    with pytest.raises(ValidationFailed) as error:
        lead_bulk_create(actor=personas.alice, rows=rows)
    assert error.value.extra["row"] == 3
    assert not Lead.objects.exists()


def test_a_row_matching_an_existing_customer_is_a_duplicate_naming_the_row(personas):
    customer_create(actor=personas.carol, name="Existing Trading Co., Ltd.")
    rows = [{"company": "New One"}, {"company": "EXISTING TRADING"}]
    with pytest.raises(Conflict) as error:
        lead_bulk_create(actor=personas.alice, rows=rows)
    assert error.value.code == "duplicate" and error.value.extra["row"] == 2
    assert not Lead.objects.exists()


def test_invalid_row_and_permissions(personas):
    with pytest.raises(ValidationFailed) as error:
        lead_bulk_create(actor=personas.alice, rows=[{"company": "Fine"}, {"company": "Bad", "phone": "12"}])
    assert error.value.extra["row"] == 2 and "phone" in error.value.fields
    with pytest.raises(PermissionDenied):
        lead_bulk_create(actor=personas.alice, rows=[{"company": "For Bob", "owner": personas.bob}])
    with pytest.raises(PermissionDenied):
        lead_bulk_create(actor=personas.finance, rows=[{"company": "X"}])
    assert not Lead.objects.exists()
