from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections


class Command(BaseCommand):
    help = "Migrates if needed and serves OpenFunnel with gunicorn (several workers and threads, static files included)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=int(os.environ.get("OPENFUNNEL_WORKERS", "2")))
        parser.add_argument("--threads", type=int, default=int(os.environ.get("OPENFUNNEL_THREADS", "4")))
        parser.add_argument("--no-jobs", action="store_true", help="do not run the periodic jobs in the background")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        from openfunnel.accounts.bootstrap import ensure_builtin_roles

        ensure_builtin_roles()
        # Forked workers must not share the master's database connection.
        connections.close_all()
        jobs = None
        if not options["no_jobs"] and not os.environ.get("REDIS_URL"):
            # The embedded default runs the periodic jobs beside the web server; production uses Celery beat.
            jobs = subprocess.Popen([sys.executable, "-m", "openfunnel.cli", "run-jobs", "--every", "60"])
        self.stdout.write(f"OpenFunnel is serving at http://{options['host']}:{options['port']}/")
        try:
            serve_gunicorn(host=options["host"], port=options["port"], workers=options["workers"],
                           threads=options["threads"])
        finally:
            if jobs is not None:
                jobs.terminate()


def serve_gunicorn(*, host: str, port: int, workers: int, threads: int) -> None:
    from gunicorn.app.base import BaseApplication

    class OpenFunnelServer(BaseApplication):
        def load_config(self) -> None:
            for key, value in {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                               "worker_class": "gthread", "timeout": 120, "graceful_timeout": 10,
                               "accesslog": None, "errorlog": "-", "loglevel": "warning"}.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            from openfunnel.wsgi import application   # its start-up objects frozen (core.heap)

            return application

    OpenFunnelServer().run()
