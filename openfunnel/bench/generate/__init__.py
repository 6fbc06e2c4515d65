"""The benchmark company: a large, deterministic sales organization with three years of history.

At scale 1: 500 reps in 50 departments three levels deep, 1,000,000 customers, 1,500,000 contacts,
5,000,000 follow-ups, 1,000,000 opportunities with 5,000,000 stage changes (creation included), and
the audit events the timeline, the audit log and the history pages read. `--scale` multiplies the
data volumes; the organization keeps its size, so that every scope (a rep, a manager of ~50 reps,
an administrator) exists at any scale.

Why not the services one by one: a million `customer_create` calls take hours. The small things
(administrator, departments, tags) do go through the services; the volumes are written with COPY
(PostgreSQL) or executemany (SQLite) as exactly the rows the services leave behind: normalized
duplicate keys, owner_since, last/next follow-up times matching the follow-ups, open reminders,
stage history matching each opportunity's path (with the stage guard's requirements met: amount,
close date, involved contact, the attachments a stage asks for), version numbers, and the events
`customer.created`, `contact.created`, `customer.shared`, `activity.created`,
`opportunity.created`, `opportunity.stage_changed/won/lost`, `opportunity.attachment_added`,
`task.created`, `user.created`. openfunnel/bench/tests check these invariants against the
services' own helpers (snapshot, normalize_*, requirements_missing).

Times are historic: a row's created_at is the moment it happened, as if the services had run then.
The public pools are made by pool_create, and each customer's pool story (reclaimed by the job when its
rules made it due, released by its owner, claimed again by another member) is written with the rows
pool.services.bulk.PoolRows gives for those services: about a fifth of the customers end in a pool, and no
owned customer is due at the generator's moment. Other apps may add steps (register_generation_step).

    values.py         sizes, vocabularies, deterministic names and phone numbers
    rows.py           one named tuple per table; a Batch is one transaction's rows
    customers.py      a customer with its contacts, tags, collaborators and follow-ups
    opportunities.py  an opportunity and its path through the pipeline (rows by sales.services.bulk)
    pools.py          the pools (pool_create) and each customer's pool story (rows by pool.services.bulk)
    company.py        the run: organization, chunks of customers, tasks; reuse and refusal
    bulk.py           PostgreSQL bulk-load mode, statistics (rows are written by core.bulk.RowWriter)
"""

from openfunnel.bench.generate.company import (
    GENERATION_STEPS,
    BenchError,
    GenerationResult,
    Generator,
    bench_info,
    bench_marker,
    ensure_company,
    register_generation_step,
)
from openfunnel.bench.generate.values import (
    ADMIN_USERNAME,
    DEFAULT_SEED,
    MANAGER_USERNAME,
    REP_USERNAME,
    company_name,
    full_counts,
    phone_digits,
    search_term,
)

__all__ = ["ADMIN_USERNAME", "DEFAULT_SEED", "GENERATION_STEPS", "MANAGER_USERNAME", "REP_USERNAME", "BenchError",
           "GenerationResult", "Generator", "bench_info", "bench_marker", "company_name", "ensure_company",
           "full_counts", "phone_digits", "register_generation_step", "search_term"]
