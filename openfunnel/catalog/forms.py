from __future__ import annotations

from django import forms

from openfunnel.catalog.models import Product


class ProductForm(forms.ModelForm):
    class Meta:
        model = Product
        fields = ["code", "name", "category", "unit", "price", "is_active", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def validate_unique(self) -> None:
        # The service checks code uniqueness (case-insensitively) and reports it on the field.
        return None
