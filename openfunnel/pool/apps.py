from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoolConfig(AppConfig):
    name = "openfunnel.pool"
    label = "pool"
    verbose_name = _("Public pool")

    def ready(self) -> None:
        from openfunnel.pool import events  # noqa: F401  (registers the event verbs)
