"""Web pages of the product catalogue: thin adapters over the same services and selectors as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openfunnel.accounts.scope import has_perm, require_perm
from openfunnel.catalog import selectors, services
from openfunnel.catalog.filters import ProductFilter
from openfunnel.catalog.forms import ProductForm
from openfunnel.web.forms import render_form, submit_form
from openfunnel.web.listing import Column, ListPage

PRODUCT_COLUMNS = [
    Column("code", gettext_lazy("Code"), sort="code", link=True),
    Column("name", gettext_lazy("Name"), sort="name", link=True),
    Column("category", gettext_lazy("Category"), sort="category"),
    Column("unit", gettext_lazy("Unit")),
    Column("price", gettext_lazy("List price"), sort="price"),
    Column("is_active", gettext_lazy("Active"), sort="is_active",
           render=lambda p: gettext_lazy("Yes") if p.is_active else gettext_lazy("No")),
    Column("description", gettext_lazy("Description"), default=False),
]


@login_required
def product_list(request: HttpRequest) -> HttpResponse:
    page = ListPage(request, selectors.products_visible_to(request.user), columns=PRODUCT_COLUMNS,
                    key="products", filterset_class=ProductFilter, default_sort="code")
    actions = ([{"url": reverse("catalog:product_create"), "label": _("New product")}]
               if has_perm(request.user, "config.manage") else [])
    return render(request, "web/list_page.html", {"page": page, "title": _("Products"), "actions": actions})


@login_required
def product_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "config.manage")
    form = ProductForm(request.POST or None)
    product = submit_form(request, form, lambda data: services.product_create(actor=request.user, **data))
    if product:
        messages.success(request, _("Product “%(name)s” created.") % {"name": product.name})
        return redirect("catalog:products")
    return render_form(request, form, {"title": _("New product"), "cancel_url": reverse("catalog:products")})


@login_required
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = selectors.product_get(actor=request.user, id=pk)
    if not has_perm(request.user, "config.manage"):
        return render(request, "catalog/product_detail.html", {"product": product, "title": str(product)})
    form = ProductForm(request.POST or None, instance=product)

    def save(data: dict[str, Any]) -> Any:
        return services.product_update(actor=request.user, product=product, data=data)

    if submit_form(request, form, save):
        messages.success(request, _("Product saved."))
        return redirect("catalog:products")
    return render_form(request, form, {"title": str(product), "cancel_url": reverse("catalog:products")})
