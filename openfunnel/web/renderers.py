"""The form renderer (settings.FORM_RENDERER): Django's own templates, with the most common widgets written out
in Python.

A list page's filter panel renders 10–15 widgets and a form page as many; through the template engine each
<input> costs two template renders (the widget's and attrs.html) and each <option> two more — about a third of
a list page's CPU time. The widgets below produce exactly the bytes of Django's templates (escaping included:
every value goes through web.escaping.as_html, the template engine's conversion; web/tests/test_renderers.py
compares both outputs for every form and filter of the project). Any other template — or an option template
of its own — is rendered by the templates as before.
"""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.safestring import SafeData, mark_safe

from openfunnel.web.escaping import as_html as _out


def _out_s(value: Any) -> str:
    """`{{ value|stringformat:'s' }}` in a template (the filter keeps a safe string safe)."""
    if isinstance(value, tuple):
        value = str(value)
    text = "%s" % (value,)
    return _out(mark_safe(text) if isinstance(value, SafeData) else text)


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html"""
    parts = []
    for name, value in attrs.items():
        if value is not False:
            parts.append(f" {_out(name)}" if value is True else f' {_out(name)}="{_out_s(value)}"')
    return "".join(parts)


def _input(widget: dict[str, Any]) -> str:
    """django/forms/widgets/input.html (and the input types that include it)"""
    value = widget["value"]
    shown = f' value="{_out_s(value)}"' if value != None else ""  # noqa: E711 (the template's `!= None`)
    return f'<input type="{_out(widget["type"])}" name="{_out(widget["name"])}"{shown}{_attrs(widget["attrs"])}>'


_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _select(widget: dict[str, Any]) -> str | None:
    """django/forms/widgets/select.html with select_option.html; None when an option has a template of its own."""
    parts = [f'<select name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_out(group_name)}">')
        for option in group_choices:
            if option["template_name"] != _OPTION_TEMPLATE:
                return None
            parts.append(f'\n  <option value="{_out_s(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{_out(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget: dict[str, Any]) -> str:
    """django/forms/widgets/textarea.html"""
    value = _out(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_out(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "number", "email", "url", "password", "hidden", "date", "datetime", "time",
                 "search", "tel", "color", "checkbox", "file")
)
_WRITTEN_OUT = {"django/forms/widgets/select.html": _select, "django/forms/widgets/textarea.html": _textarea,
                **{name: _input for name in _INPUT_TEMPLATES}}


class FastWidgetRenderer(DjangoTemplates):
    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        write = _WRITTEN_OUT.get(template_name)
        widget = context.get("widget") if write is not None else None
        if isinstance(widget, dict):
            html = write(widget)  # type: ignore[misc]
            if html is not None:
                return html.strip()
        return super().render(template_name, context, request)
