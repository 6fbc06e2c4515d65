"""Requests of the permission matrix: one call shape for pages and API, and a 500 that names its cause."""

from __future__ import annotations

import json
import traceback
from http.cookies import SimpleCookie
from dataclasses import dataclass
from typing import Any

from django.test import Client
from rest_framework.test import APIClient


@dataclass
class Answer:
    status: int
    content: bytes
    error: str = ""             # the exception a view raised (then status is 500)
    location: str = ""

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except ValueError:
            return None

    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def describe(self) -> str:
        if self.error:
            return f"500 {self.error}"
        body = self.text()
        return f"{self.status} {body[:300]!r}" + (f" -> {self.location}" if self.location else "")


class Clients:
    """A page client and an API client per persona, signed in once (building a client loads every
    middleware, signing in writes a session: both are too slow to repeat in each of a thousand tests)."""

    def __init__(self, users: dict[str, Any]) -> None:
        self._clients: dict[str, tuple[Client, APIClient]] = {}
        self._cookies: dict[int, SimpleCookie] = {}
        for name, user in users.items():
            web = Client(HTTP_ACCEPT_LANGUAGE="en")
            web.force_login(user)
            api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
            api.force_login(user)
            self._clients[name] = (web, api)
            for client in (web, api):
                self._cookies[id(client)] = SimpleCookie(client.cookies.output(header="", sep=";"))

    def reset(self) -> None:
        """Back to the signed-in session only (a test's messages or a rotated session key do not leak on)."""
        for web, api in self._clients.values():
            for client in (web, api):
                client.cookies = SimpleCookie(self._cookies[id(client)].output(header="", sep=";"))

    def __getitem__(self, persona: str) -> tuple[Client, APIClient]:
        return self._clients[persona]


def _short_traceback(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "/openfunnel/" in f.filename] or frames
    where = ours[-1]
    filename = where.filename.split("/work/main/")[-1]
    return f"{type(error).__name__}: {str(error)[:200]} (at {filename}:{where.lineno})"


def call(client: Any, method: str, url: str, *, data: Any = None, raw: str | bytes | None = None,
         content_type: str = "application/json", query: dict[str, Any] | None = None,
         headers: dict[str, str] | None = None) -> Answer:
    """GET with `query`; other methods send `raw` as is, or `data` (JSON for the API, a form for pages)."""
    api = isinstance(client, APIClient)
    extra = headers or {}
    try:
        if method == "get":
            response = client.get(url, data=query or {}, **extra)
        elif raw is not None:
            response = client.generic(method.upper(), url, raw, content_type=content_type, **extra)
        elif api:
            response = client.generic(method.upper(), url, json.dumps(data if data is not None else {}),
                                      content_type="application/json", **extra)
        elif method == "post":
            response = client.post(url, data=data or {}, **extra)
        else:
            response = client.generic(method.upper(), url, "",
                                      content_type="application/x-www-form-urlencoded", **extra)
    except Exception as error:  # the matrix reports what a view raised instead of stopping at it
        return Answer(500, b"", error=_short_traceback(error))
    streaming = getattr(response, "streaming", False)
    # Django's test client has closed the response already; closing it again would fire request_finished
    # and let close_old_connections drop the test's database connection (on PostgreSQL).
    content = b"".join(response.streaming_content) if streaming else response.content
    return Answer(response.status_code, content, location=response.get("Location", ""))
