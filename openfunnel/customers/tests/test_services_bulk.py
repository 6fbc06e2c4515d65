import pytest

from openfunnel.audit.models import Event
from openfunnel.core.errors import Conflict, PermissionDenied, ValidationFailed
from openfunnel.customers.models import Contact, Customer, CustomerLevel, Tag
from openfunnel.customers.services import contact_create, customer_bulk_create, customer_create


def _fields(customer):
    return {f: getattr(customer, f) for f in ("name", "name_key", "uscc", "phone", "phone_key", "email_key",
                                              "region", "owner_id", "level_id", "status", "created_by_id")}


def test_bulk_rows_equal_single_rows(personas):
    level = CustomerLevel.objects.get(code="a")
    tag = Tag.objects.create(name="重点")
    single = customer_create(actor=personas.manager, name="单个 有限公司", owner=personas.alice, phone="13911112222",
                             level=level, tags=[tag], region="华东")
    contact_create(actor=personas.manager, customer=single, name="王经理", phone="13800001111")
    [bulk] = customer_bulk_create(actor=personas.manager, rows=[{
        "name": "批量 有限公司", "owner": personas.alice, "phone": "13911113333", "level": level, "tags": [tag],
        "region": "华东", "contacts": [{"name": "李经理", "phone": "13800002222"}, {"name": "赵工"}]}])
    a, b = _fields(single), _fields(bulk)
    for varying in ("name", "name_key", "phone", "phone_key"):
        a.pop(varying), b.pop(varying)
    assert a == b
    assert list(bulk.tags.all()) == [tag]
    assert [(c.name, c.is_primary) for c in Contact.objects.filter(customer=bulk).order_by("id")] == [
        ("李经理", True), ("赵工", False)]
    assert Event.objects.filter(customer_id=bulk.pk, verb="customer.created").get().data["tags"] == ["重点"]
    assert Event.objects.filter(customer_id=bulk.pk, verb="contact.created").count() == 2


def test_bulk_is_all_or_nothing(personas):
    customer_create(actor=personas.carol, name="Existing Co")
    with pytest.raises(Conflict) as error:
        customer_bulk_create(actor=personas.alice, rows=[{"name": "Fresh"}, {"name": "EXISTING"}])
    assert error.value.extra["row"] == 2
    with pytest.raises(ValidationFailed) as error:
        customer_bulk_create(actor=personas.alice, rows=[{"name": "Ok"}, {"name": "Bad", "uscc": "123"}])
    assert error.value.extra["row"] == 2
    with pytest.raises(PermissionDenied):
        customer_bulk_create(actor=personas.alice, rows=[{"name": "For Bob", "owner": personas.bob}])
    assert Customer.objects.count() == 1
