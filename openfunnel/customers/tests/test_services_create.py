import pytest

from openfunnel.core.errors import Conflict, ValidationFailed
from openfunnel.core.testing import VALID_USCC
from openfunnel.customers.models import Customer
from openfunnel.customers.services import contact_create, customer_create


def test_create_customer_with_first_contact_primary(personas):
    customer = customer_create(
        actor=personas.alice, name="上海星辰科技有限公司", phone="+86 138 0013 8000", uscc=VALID_USCC[0]
    )
    assert customer.owner == personas.alice and customer.phone_key == "13800138000"
    contact = contact_create(actor=personas.alice, customer=customer, name="王经理")
    assert contact.is_primary


def test_duplicate_company_name_is_refused_naming_owner(personas):
    customer_create(actor=personas.alice, name="上海星辰科技有限公司")
    with pytest.raises(Conflict) as error:
        customer_create(actor=personas.carol, name="上海星辰科技 股份有限公司")
    assert error.value.code == "duplicate"
    existing = error.value.extra["existing"]
    assert existing["type"] == "customer" and existing["owner_name"] == "Alice Rep"
    assert "id" not in existing  # carol may not see alice's customer: nothing more than type and owner
    assert Customer.objects.count() == 1


def test_duplicate_shows_id_when_in_scope(personas):
    first = customer_create(actor=personas.alice, name="Acme Co., Ltd.")
    with pytest.raises(Conflict) as error:
        customer_create(actor=personas.manager, name="ACME")
    assert error.value.extra["existing"]["id"] == first.pk


def test_duplicate_phone_matches_a_contact_of_another_customer(personas):
    customer = customer_create(actor=personas.alice, name="Alpha")
    contact_create(actor=personas.alice, customer=customer, name="Li", phone="13900001111")
    with pytest.raises(Conflict):
        customer_create(actor=personas.bob, name="Beta", phone="+86 139-0000-1111")


def test_invalid_uscc_and_phone_are_field_errors(personas):
    with pytest.raises(ValidationFailed) as error:
        customer_create(actor=personas.alice, name="X", uscc="91350100M000100Y44")
    assert "uscc" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        customer_create(actor=personas.alice, name="X", phone="12")
    assert "phone" in error.value.fields
