"""REST resource of the product catalogue (API.md /products/): thin adapters over services and selectors."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from openfunnel.catalog import selectors, services
from openfunnel.catalog.filters import ProductFilter
from openfunnel.catalog.models import Product
from openfunnel.core.api import StrictSerializer
from openfunnel.core.output import OutputModelSerializer
from openfunnel.core.viewsets import ScopedViewSet


class ProductSerializer(OutputModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "code", "name", "category", "unit", "price", "is_active", "description", "created_at",
                  "updated_at"]


class ProductInput(StrictSerializer):
    code = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=200)
    category = serializers.CharField(max_length=100, required=False, allow_blank=True)
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True)
    price = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, min_value=0)
    is_active = serializers.BooleanField(required=False)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = ProductSerializer
    filterset_class = ProductFilter
    ordering_fields = ["code", "name", "category", "price", "id"]
    ordering = ["code", "id"]

    def get_queryset(self) -> Any:
        return selectors.products_visible_to(self.request.user)

    def fetch(self, pk: Any) -> Product:
        return selectors.product_get(actor=self.request.user, id=pk)

    @extend_schema(request=ProductInput, responses={201: ProductSerializer})
    def create(self, request: Request) -> Response:
        product = services.product_create(actor=request.user, **self.input(ProductInput))
        return self.respond(self.fetch(product.pk), status=201)

    @extend_schema(request=ProductInput, responses=ProductSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        product = services.product_update(actor=request.user, product=self.get_object(),
                                          data=self.input(ProductInput, partial=True))
        return self.respond(self.fetch(product.pk))
