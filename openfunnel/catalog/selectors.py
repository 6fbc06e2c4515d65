"""Reads of the product catalogue: company-wide reference data every signed-in user may read."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from openfunnel.catalog.models import Product
from openfunnel.core.api import parse_id
from openfunnel.core.errors import NotFound


def products_visible_to(actor: Any) -> QuerySet[Product]:
    """Every product (active or not); callers filter on is_active for pickers."""
    return Product.objects.all()


def products_active() -> QuerySet[Product]:
    """Products that may be put on new lines."""
    return Product.objects.filter(is_active=True)


def product_get(*, actor: Any, id: Any) -> Product:
    """One product; NotFound when missing."""
    product = products_visible_to(actor).filter(pk=parse_id(id)).first()
    if product is None:
        raise NotFound()
    return product


def product_categories() -> list[str]:
    """The categories in use, for filter choices."""
    return list(Product.objects.exclude(category="").order_by("category")
                .values_list("category", flat=True).distinct())


def register_product_search() -> None:
    from openfunnel.web.search import SearchHit, SearchProvider, register_search

    def search(actor: Any, query: str, limit: int) -> list[SearchHit]:
        rows = products_visible_to(actor).filter(Q(name__icontains=query) | Q(code__icontains=query))[:limit]
        return [SearchHit(kind=_("Product"), title=str(p), url=p.get_absolute_url(),
                          detail=f"{p.category} · {p.price}") for p in rows]

    register_search(SearchProvider(key="products", label=_("Products"), search=search))
