"""How each event verb reads in the audit log and on timelines; apps add their own verbs here."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

VERBS: dict[str, Any] = {}


def register_verbs(labels: dict[str, Any]) -> None:
    VERBS.update(labels)


def verb_label(verb: str) -> Any:
    return VERBS.get(verb, verb)


