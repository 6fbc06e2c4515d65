from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from openfunnel.accounts.bootstrap import ensure_admin


class Command(BaseCommand):
    help = "Creates (or updates the password of) an administrator; safe to run again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        if len(options["password"]) < 6:
            raise CommandError("The password must have at least 6 characters.")
        user, created = ensure_admin(username=options["username"], password=options["password"])
        self.stdout.write(f"{'Created' if created else 'Updated'} administrator {user.username}")
