from decimal import Decimal

import pytest

from openfunnel.audit.models import Event
from openfunnel.catalog.models import Product
from openfunnel.catalog.services import product_create, product_update
from openfunnel.core.errors import PermissionDenied, ValidationFailed


def test_admin_creates_and_updates_a_product_with_audit(personas):
    product = product_create(actor=personas.admin, code=" P-100 ", name="工业泵", category="泵", unit="台",
                             price=Decimal("12500"))
    assert product.code == "P-100" and product.price == Decimal("12500.00")
    assert Event.objects.get(verb="product.created", object_id=product.pk).data["price"] == "12500.00"
    product_update(actor=personas.admin, product=product, data={"price": Decimal("13000.5"), "is_active": False})
    product.refresh_from_db()
    assert product.price == Decimal("13000.50") and not product.is_active
    assert Event.objects.get(verb="product.updated").changes == {"price": ["12500.00", "13000.50"],
                                                                 "is_active": [True, False]}


def test_rep_may_not_manage_products(personas):
    with pytest.raises(PermissionDenied):
        product_create(actor=personas.alice, code="X", name="X")
    assert not Product.objects.exists()


def test_code_is_unique_case_insensitively_and_price_not_negative(personas):
    product_create(actor=personas.admin, code="ABC", name="One")
    with pytest.raises(ValidationFailed) as error:
        product_create(actor=personas.admin, code="abc", name="Two")
    assert "code" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        product_create(actor=personas.admin, code="NEG", name="Neg", price=Decimal("-1"))
    assert "price" in error.value.fields
    other = product_create(actor=personas.admin, code="DEF", name="Three")
    with pytest.raises(ValidationFailed):
        product_update(actor=personas.admin, product=other, data={"code": "Abc"})
    assert Product.objects.count() == 2
