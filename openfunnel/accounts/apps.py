from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "openfunnel.accounts"
    label = "accounts"
    verbose_name = _("Organization")

    def ready(self) -> None:
        from openfunnel.accounts import events, schema, signals  # noqa: F401  (event verbs, OpenAPI auth, login hooks)
