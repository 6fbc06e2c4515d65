"""`openfunnel <command>`: serve, demo, run-jobs, createadmin, bench, and every Django command."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openfunnel.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["openfunnel", *sys.argv[1:]])


if __name__ == "__main__":
    main()
