from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openfunnel.core"
    label = "core"

    def ready(self) -> None:
        from openfunnel.core import lookups  # noqa: F401 (registers field__in_array)
