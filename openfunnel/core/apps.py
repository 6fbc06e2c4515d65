from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openfunnel.core"
    label = "core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from openfunnel.core import lookups  # noqa: F401 (registers field__in_array)
        from openfunnel.core.timestamps import use_compiled_loader

        connection_created.connect(use_compiled_loader, dispatch_uid="core.timestamps")
