"""A serving process's start-up objects kept out of the garbage collector's full passes.

After start-up a process holds a few hundred thousand objects that live as long as it does: modules, classes,
the URL patterns, the models' metadata. The cyclic collector's oldest generation walks every one of them each
time it runs — 100-170 ms on the benchmark's 2-core machine under load, landing on whichever request happened to
allocate at that moment (it made the slowest of the benchmark's runs: my day, the customers API). `gc.freeze()`
moves them to a permanent generation the collector skips; what the process creates afterwards is collected as
before, so a cycle of request objects is still freed.
"""

from __future__ import annotations

import gc


def warm_up() -> None:
    """Builds what the first request would otherwise build, so that it is frozen with the rest: the URL
    patterns (importing every app's views) and the model registry's relations."""
    from django.apps import apps
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - evaluated for its imports
    for model in apps.get_models():
        model._meta.get_fields()   # cached on first use


def settle() -> None:
    """Warms the process up, then freezes the objects it holds (start-up, before the first request)."""
    warm_up()
    gc.collect()
    gc.freeze()
