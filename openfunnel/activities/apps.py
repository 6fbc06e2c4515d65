from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "openfunnel.activities"
    label = "activities"
    verbose_name = _("Follow-ups and tasks")

    def ready(self) -> None:
        from openfunnel.activities import events  # noqa: F401  (registers the event verbs)
        from openfunnel.activities import recycle  # noqa: F401  (registers deleted follow-ups in the bin)
