from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "openfunnel.web"
    label = "web"
    verbose_name = _("Web interface")

    def ready(self) -> None:
        from openfunnel.web.choices import connect_signals

        connect_signals()
