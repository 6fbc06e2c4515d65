from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "openfunnel.leads"
    label = "leads"
    verbose_name = _("Leads")

    def ready(self) -> None:
        from openfunnel.core.recycle import RecycleKind, register
        from openfunnel.leads import events  # noqa: F401  (registers the event verbs)
        from openfunnel.leads import selectors, services
        from openfunnel.leads.search import search_leads
        from openfunnel.web.search import SearchProvider, register_search

        register(RecycleKind(key="lead", label=_("Leads"), deleted=selectors.leads_deleted_visible_to,
                             restore=services.lead_restore, title=lambda lead: lead.company))
        register_search(SearchProvider(key="leads", label=_("Leads"), search=search_leads))
