from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "openfunnel.catalog"
    label = "catalog"
    verbose_name = _("Product catalogue")

    def ready(self) -> None:
        from openfunnel.catalog import events  # noqa: F401  (registers the event verbs)
        from openfunnel.catalog.selectors import register_product_search

        register_product_search()
