"""`openfunnel bench`: build a large deterministic company once, then measure the main pages on it."""

from __future__ import annotations

import fnmatch
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from openfunnel.core.heap import settle


class Command(BaseCommand):
    help = ("Builds (once) a large deterministic company in the configured database (--scale 1: 500 reps, "
            "1,000,000 customers, 5,000,000 follow-ups, 1,000,000 opportunities) and measures the main pages as a "
            "rep, a manager and an administrator: median and p95 server time, SQL queries, and the ratio to "
            "hand-written SQL. Prints a table and writes a JSON file. See openfunnel/bench/README.md.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", type=float, default=1.0,
                            help="fraction of the full size (1 = a million customers; the tests use 0.0005)")
        parser.add_argument("--only", default="",
                            help="operations to measure: comma-separated names or patterns, e.g. 'customers.*'")
        parser.add_argument("--json", dest="json_path", default="bench-results.json", help="where to write the JSON")
        parser.add_argument("--repeat", type=int, default=10, help="timed runs per operation (default 10)")
        parser.add_argument("--warmup", type=int, default=2, help="untimed runs before them (default 2)")
        parser.add_argument("--seed", type=int, default=None, help="random seed of the generated company")
        parser.add_argument("--force", action="store_true",
                            help="generate even though the database holds other data (never on production)")
        parser.add_argument("--queries", action="store_true", help="keep every page's SQL in the JSON")
        parser.add_argument("--list", action="store_true", help="list the operations and exit")

    def handle(self, *args: Any, **options: Any) -> None:
        from openfunnel.bench import measure, report
        from openfunnel.bench.generate import DEFAULT_SEED, BenchError, ensure_company, full_counts
        from openfunnel.bench.operations import OPERATIONS
        from openfunnel.bench.progress import Progress

        if options["list"]:
            for name, operation in OPERATIONS.items():
                state = "" if operation.unavailable is None else "  (not available yet)"
                self.stdout.write(f"{name:<40} {operation.description}{state}")
            return
        names = self._select(options["only"], list(OPERATIONS))
        if options["repeat"] < 1:
            raise CommandError("--repeat must be at least 1")
        self._migrate()
        seed = DEFAULT_SEED if options["seed"] is None else options["seed"]
        scale = options["scale"]
        self.stderr.write(f"OpenFunnel bench on {connection.vendor} ({connection.settings_dict.get('NAME')}), "
                          f"scale {scale:g}")
        # the bar redraws itself with \r: it writes to the raw stream, not through the line-ending wrapper
        progress = Progress(full_counts(scale)["customers"], stream=getattr(self.stderr, "_out", None))
        try:
            generation = ensure_company(scale=scale, seed=seed, force=options["force"], progress=progress)
        except BenchError as error:
            raise CommandError(str(error)) from None
        per_million = round(generation.seconds / generation.rows * 1e6, 1) if generation.rows else None
        if generation.generated:
            self.stderr.write(f"generated {generation.rows:,} rows in {generation.seconds:.1f} s ({per_million} s per "
                              f"million rows) + {generation.analyze_seconds:.1f} s analyze")
        else:
            self.stderr.write(f"reusing the benchmark data generated earlier (scale {scale:g}, seed {seed})")

        ctx = measure.build_context()
        measure.login_clients(ctx)
        settle()   # as a server's worker is when it starts serving (openfunnel.wsgi)
        load_before = report.load_average()
        try:
            results = measure.run_operations(ctx, names=names, repeat=options["repeat"], warmup=options["warmup"],
                                             keep_queries=options["queries"],
                                             report=lambda line: self.stderr.write("  " + line))
        finally:
            measure.logout_clients(ctx)
        data = report.document(
            scale=scale, seed=seed, repeat=options["repeat"], warmup=options["warmup"], counts=generation.counts,
            generation={"generated_now": generation.generated, "seconds": generation.seconds,
                        "analyze_seconds": generation.analyze_seconds, "rows": generation.rows,
                        "seconds_per_million_rows": per_million, "reference_time": generation.now,
                        "rows_per_table": generation.per_table},
            results=results)
        data["machine"]["load_average"] = {"before": load_before, "after": report.load_average()}
        report.write_json(options["json_path"], data)
        self.stdout.write(report.table(results))
        missed = [r["name"] for r in results if r.get("passed") is False or "error" in r]
        self.stdout.write(f"\n{len(results)} operations, {len(missed)} missing a target; JSON: {options['json_path']}")

    def _select(self, only: str, available: list[str]) -> list[str]:
        if not only.strip():
            return available
        chosen: list[str] = []
        for pattern in (p.strip() for p in only.split(",") if p.strip()):
            matches = [name for name in available if fnmatch.fnmatchcase(name, pattern)]
            if not matches:
                raise CommandError(f"--only {pattern!r} matches no operation; see --list")
            chosen += [name for name in matches if name not in chosen]
        return chosen

    def _migrate(self) -> None:
        """Migrates a fresh database first (and does nothing to one that is up to date)."""
        from django.core.management import call_command
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            call_command("migrate", interactive=False, verbosity=0)
