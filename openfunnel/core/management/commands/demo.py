from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from openfunnel.demo.seed import ADMIN_PASSWORD, ADMIN_USERNAME, DEMO_PASSWORD, USERS, build_demo


class Command(BaseCommand):
    help = "Loads the demo company (once; later runs keep it) and serves it, printing the URL and the logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--no-serve", action="store_true", help="only load the demo company")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full demo size (tests use less)")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        summary = build_demo(scale=options["scale"], progress=lambda step: self.stdout.write(f"  … {step}"))
        if summary.counts:
            figures = ", ".join(f"{name} {count}" for name, count in summary.counts.items())
            self.stdout.write(f"Demo company loaded in {summary.seconds:.1f} s: {figures}")
        else:
            self.stdout.write("Demo company already loaded.")
        self.stdout.write(f"\nOpenFunnel: http://{options['host']}:{options['port']}/")
        self.stdout.write("Demo logins (username / password):")
        self.stdout.write(f"  {ADMIN_USERNAME:<12} / {ADMIN_PASSWORD}   administrator")
        for username, name, role, _department, _manager in USERS:
            self.stdout.write(f"  {username:<12} / {DEMO_PASSWORD}    {role:<9} {name}")
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=options["port"])
