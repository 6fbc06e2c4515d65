from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "openfunnel.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from openfunnel.leads import events  # noqa: F401  (registers the event verbs)
