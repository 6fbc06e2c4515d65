import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openfunnel.settings")
application = get_wsgi_application()

from openfunnel.core.heap import settle  # noqa: E402 - needs the settings and the apps loaded above

settle()
