from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "openfunnel.sales"
    label = "sales"
    verbose_name = _("Opportunities and pipelines")

    def ready(self) -> None:
        from openfunnel.sales import events  # noqa: F401  (registers the event verbs)
        from openfunnel.sales.registry import register

        register()
