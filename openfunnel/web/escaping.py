"""`{{ value }}` of a template, for HTML written out in Python (list cells, form widgets): the template engine's own
conversion — local time, localized numbers, escaping unless safe — with a shortcut for the usual plain string."""

from __future__ import annotations

import html
from typing import Any

from django.template.base import render_value_in_context
from django.utils.safestring import SafeData


class _PageContext:
    """What `render_value_in_context` reads of a template Context: the defaults of every page's context."""

    autoescape = True
    use_l10n = None
    use_tz = None


_PAGE = _PageContext()


def as_html(value: Any) -> str:
    """What `{{ value }}` renders in a page: a plain string escaped (django.utils.html.escape is html.escape),
    a safe string as it is, anything else as the template engine converts it."""
    if type(value) is str:
        return html.escape(value)
    if isinstance(value, SafeData) and isinstance(value, str):
        return str.__str__(value)
    return render_value_in_context(value, _PAGE)
