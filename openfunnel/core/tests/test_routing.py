"""core.routing: the includes behind their patterns' literal starts resolve and reverse every URL as the plain
includes at "" did."""

from __future__ import annotations

import re

import pytest
from django.urls import Resolver404, URLResolver, get_resolver, include, path, re_path
from django.urls.resolvers import RegexPattern, RoutePattern

from openfunnel import urls as project_urls
from openfunnel.core.routing import _literal_start, prefixed_include

# The project's URL configuration as it was before core.routing: every app included at "".
legacy_api = list(project_urls.api_patterns[:2])
for module in project_urls.APPS:
    legacy_api += module.api_urlpatterns
urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include((legacy_api, "api"), namespace="api")),
    *[path("", include((module.urlpatterns, module.app_name), namespace=module.app_name))
      for module in project_urls.APPS],
]


def _sample_paths(resolver: URLResolver) -> list[str]:
    """A path for every pattern of every URL name, its arguments filled in with ids and words."""
    found = set()
    for _name, entries in resolver.reverse_dict.lists():
        for possibilities, _pattern, _defaults, _converters in entries:
            for template, params in possibilities:
                for value in ("7", "abc"):
                    found.add("/" + template % {param: value for param in params})
    for _prefix, sub in resolver.namespace_dict.values():
        for sub_path in _sample_paths(sub):
            prefix = _prefix.lstrip("^")
            found.add("/" + re.sub(r"\(\?=[^)]*\)", "", prefix) + sub_path.lstrip("/"))
    return sorted(found)


def _outcome(resolver: URLResolver, url: str) -> tuple:
    try:
        match = resolver.resolve(url)
    except Resolver404:
        return ("404",)
    return (match.func, match.args, match.kwargs, match.url_name, match.namespaces, match.app_names, match.route)


def test_every_url_resolves_as_with_plain_includes():
    legacy, current = get_resolver(__name__), get_resolver("openfunnel.urls")
    paths = _sample_paths(legacy)
    assert "/pool/7/claim/" in paths and "/api/v1/pools/7/claim/" in paths and "/" in paths
    paths += ["/nowhere/", "/pool", "/poolx/", "/api/v1/", "/api/v1/nowhere/", "/customers/abc/", "/Pool/7/claim/",
              "/api/v1/pools/7/claim", "//pool/7/claim/", "/pool/7/claim/extra/"]
    assert len(paths) > 300
    for url in paths:
        assert _outcome(current, url) == _outcome(legacy, url), url


def test_every_name_reverses_as_with_plain_includes():
    legacy, current = get_resolver(__name__), get_resolver("openfunnel.urls")

    def reversed_all(resolver: URLResolver, prefix: str = "") -> dict[str, set[str]]:
        names = {}
        for name in resolver.reverse_dict:
            if isinstance(name, str):
                for possibilities, *_rest in resolver.reverse_dict.getlist(name):
                    names.setdefault(prefix + name, set()).update(
                        t % {p: "7" for p in params} for t, params in possibilities)
        for namespace, (_p, sub) in resolver.namespace_dict.items():
            names.update(reversed_all(sub, f"{prefix}{namespace}:"))
        return names

    # the namespaced names through django.urls.reverse (prefixes, lookaheads and all)
    from django.urls import reverse

    legacy_names = reversed_all(legacy)
    assert reversed_all(current).keys() == legacy_names.keys()
    for name in legacy_names:
        if ":" not in name:
            continue
        for args in ([], [7]):
            try:
                expected = reverse(name, urlconf=__name__, args=args)
            except Exception as error:  # noqa: BLE001 - compared as they fail
                expected = type(error)
            try:
                got = reverse(name, args=args)
            except Exception as error:  # noqa: BLE001
                got = type(error)
            assert got == expected, name


@pytest.mark.parametrize(("pattern", "start"), [
    (path("pool/<int:pk>/claim/", lambda r: None), "pool/"),
    (path("pool/", lambda r: None), "pool/"),
    (path("", lambda r: None), ""),
    (path("<int:pk>/", lambda r: None), None),
    (path("", include([])), None),
    (re_path(r"^pools/(?P<pk>[^/.]+)/claim/$", lambda r: None), "pools/"),
    (re_path(r"^pool-events\.json$", lambda r: None), "pool-events.json"),
    (re_path(r"^pools?/$", lambda r: None), "pool"),
    (re_path(r"^a|b/$", lambda r: None), None),
    (re_path(r"pools/$", lambda r: None), None),
    (re_path(r"(?i)^pools/$", lambda r: None), None),
])
def test_literal_start(pattern, start):
    assert _literal_start(pattern) == start


def test_an_include_without_a_known_start_is_tried_for_every_path():
    resolver = prefixed_include([path("<int:pk>/", lambda r: None, name="x")])
    assert isinstance(resolver.pattern, RoutePattern) and str(resolver.pattern) == ""
    resolver = prefixed_include([path("a/", lambda r: None, name="x"), path("ab/", lambda r: None, name="y")])
    assert isinstance(resolver.pattern, RegexPattern) and resolver.pattern._regex == "^(?=a/|ab/)"
    assert str(resolver.pattern) == ""
