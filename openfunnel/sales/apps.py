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
        from django.db.models.signals import post_migrate

        from openfunnel.sales import board_tally, customer_copy

        post_migrate.connect(customer_copy.install_after_migrate, sender=self, dispatch_uid="sales.customer_copy")
        post_migrate.connect(board_tally.install_after_migrate, sender=self, dispatch_uid="sales.board_tally")
