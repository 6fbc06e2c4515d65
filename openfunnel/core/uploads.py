"""The one check of uploaded files, used by every app that stores attachments."""

from __future__ import annotations

import os
from typing import Any

from django.utils.translation import gettext as _


def check_uploads(files: list[Any], errors: dict[str, list[Any]], *, field: str, max_files: int,
                  max_megabytes: int) -> None:
    """At most `max_files` named, non-empty files of at most `max_megabytes` each; problems go to errors[field]."""
    messages = []
    if len(files) > max_files:
        messages.append(_("Attach at most %(n)d files at once.") % {"n": max_files})
    for upload in files:
        size = getattr(upload, "size", None) or 0
        name = os.path.basename(getattr(upload, "name", "") or "")
        if not name:
            messages.append(_("A file has no name."))
        elif size > max_megabytes * 1024 * 1024:
            messages.append(_("“%(name)s” is larger than %(mb)d MB.") % {"name": name[:100], "mb": max_megabytes})
        elif size == 0:
            messages.append(_("“%(name)s” is empty.") % {"name": name[:100]})
    if messages:
        errors[field] = messages
