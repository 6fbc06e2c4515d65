from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "openfunnel.core"
    label = "core"
