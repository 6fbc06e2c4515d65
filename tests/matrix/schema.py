"""The OpenAPI schema as a source of fuzz input: each operation's body fields and query parameters."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

LONG = "x" * 10_000
HUGE = 10**30


def normalize(path: str) -> str:
    """Both 'api/v1/^leads/(?P<pk>[^/]+)/assign/$' and '/api/v1/leads/{id}/assign/' give
    'api/v1/leads/{}/assign/'."""
    path = path.lstrip("/").replace("^", "").replace("$", "")
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "{}", path)
    path = re.sub(r"<[^>]+>", "{}", path)
    return re.sub(r"\{[^}]*\}", "{}", path)


@lru_cache(maxsize=1)
def openapi() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {"paths": {normalize(path): item for path, item in schema["paths"].items()},
            "components": schema.get("components", {}).get("schemas", {})}


def _resolve(node: Any, components: dict[str, Any], depth: int = 0) -> dict[str, Any]:
    if not isinstance(node, dict) or depth > 8:
        return {}
    if "$ref" in node:
        return _resolve(components.get(node["$ref"].rsplit("/", 1)[-1], {}), components, depth + 1)
    for combo in ("allOf", "oneOf", "anyOf"):
        if combo in node:
            merged: dict[str, Any] = {}
            for part in node[combo]:
                resolved = _resolve(part, components, depth + 1)
                merged.update({k: v for k, v in resolved.items() if k != "properties"})
                merged.setdefault("properties", {}).update(resolved.get("properties", {}))
            return merged
    return node


def operation(regex: str, method: str) -> dict[str, Any] | None:
    return openapi()["paths"].get(normalize(regex), {}).get(method)


def body_fields(regex: str, method: str) -> dict[str, dict[str, Any]]:
    """The JSON body's properties of an operation, each resolved to {"type": ..., "format": ...}."""
    op = operation(regex, method)
    if not op or "requestBody" not in op:
        return {}
    components = openapi()["components"]
    content = op["requestBody"].get("content", {})
    schema = _resolve(content.get("application/json", {}).get("schema", {}), components)
    if schema.get("type") == "array":
        schema = _resolve(schema.get("items", {}), components)
    fields = {}
    for name, prop in schema.get("properties", {}).items():
        resolved = _resolve(prop, components)
        if resolved.get("readOnly"):
            continue
        fields[name] = resolved
    return fields


def query_params(regex: str, *, numeric: bool = False) -> list[str]:
    """The GET operation's query parameters (only the integer/number ones with `numeric`)."""
    op = operation(regex, "get")
    if not op:
        return []
    return [p["name"] for p in op.get("parameters", []) if p.get("in") == "query"
            and (not numeric or p.get("schema", {}).get("type") in ("integer", "number"))]


def _wrong(prop: dict[str, Any]) -> Any:
    kind = prop.get("type")
    if kind == "integer" or kind == "number":
        return "abc"
    if kind == "boolean":
        return "maybe"
    if kind == "array":
        return "not-a-list"
    if kind == "object":
        return [1, 2]
    return {"nested": ["object"]}


def _long(prop: dict[str, Any]) -> Any:
    kind = prop.get("type")
    if kind in ("integer", "number"):
        return HUGE
    if kind == "array":
        return [LONG] * 3
    if kind == "object":
        return {LONG[:300]: LONG}
    if kind == "boolean":
        return LONG
    return LONG


def _edge(prop: dict[str, Any]) -> Any:
    kind = prop.get("type")
    if kind in ("integer", "number"):
        return -1
    if kind == "array":
        return [{"x": HUGE}, None, -1, "abc"]
    if prop.get("format") == "date":
        return "2026-13-45"
    if prop.get("format") == "date-time":
        return "99999-01-01T25:61:00+99:00"
    if kind == "object":
        return {"x": {"y": [HUGE]}}
    return "\x00\u202e<script>alert(1)</script>' OR 1=1 --"


DEEPLY_NESTED = "[" * 5000 + "]" * 5000


def fuzz_bodies(regex: str, method: str) -> list[tuple[str, Any]]:
    """(label, body) pairs: generic garbage plus, from the schema, each field wrong, too long, odd or null."""
    bodies: list[tuple[str, Any]] = [
        ("malformed JSON", '{"name": '),
        ("invalid UTF-8", b'\xff\xfe{"a": 1}'),
        ("a JSON list", "[1, 2, 3]"),
        ("a JSON string", '"text"'),
        ("JSON null", "null"),
        ("a JSON number", "12"),
        ("an unknown field", {"zzz_unknown_field": 1}),
    ]
    fields = body_fields(regex, method)
    if fields:
        bodies += [
            ("every field of the wrong type", {n: _wrong(p) for n, p in fields.items()}),
            ("every field 10k long or huge", {n: _long(p) for n, p in fields.items()}),
            ("every field at an edge", {n: _edge(p) for n, p in fields.items()}),
            ("every field null", {n: None for n in fields}),
        ]
        # One field at a time gets past the serializer's other checks to the service and the database
        # (all wrong at once stops at the serializer, which reports every field).
        for name, prop in fields.items():
            bodies.append((f"{name} 10k long or huge", {name: _long(prop)}))
    return bodies
