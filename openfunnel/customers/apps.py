from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "openfunnel.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from openfunnel.core.recycle import RecycleKind, register
        from openfunnel.customers import (
            events,  # noqa: F401  (registers the event verbs)
            selectors,
            services,
        )
        from openfunnel.web.search import SearchProvider, register_search

        register(
            RecycleKind(
                key="customer",
                label=_("Customers"),
                deleted=selectors.customers_deleted,
                restore=services.customer_restore,
            )
        )
        register(
            RecycleKind(
                key="contact",
                label=_("Contacts"),
                deleted=selectors.contacts_deleted,
                restore=services.contact_restore,
                title=lambda contact: f"{contact.name} · {contact.customer.name}",
            )
        )
        register_search(
            SearchProvider(key="customers", label=_("Customers"), search=selectors.customers_search)
        )
        register_search(SearchProvider(key="contacts", label=_("Contacts"), search=selectors.contacts_search))
        from django.db.models.signals import post_migrate

        from openfunnel.customers import search_index

        post_migrate.connect(search_index.install_after_migrate, sender=self, dispatch_uid="customers.search_index")
