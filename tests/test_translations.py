"""The zh-Hans catalogue is complete: every translatable string of every app has its translation,
none is fuzzy, and the compiled .mo files say the same as the .po files."""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "openfunnel"
APPS = sorted(p.parent.parent.parent.parent for p in ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))


def parse_po(path: Path) -> dict[str, tuple[str, bool]]:
    """{msgid (with context and plural joined): (first msgstr, fuzzy)} — enough of the PO format for a check."""
    entries: dict[str, tuple[str, bool]] = {}
    current: dict[str, str] = {}
    fuzzy = False
    key = None

    def flush() -> None:
        nonlocal current, fuzzy
        if current.get("msgid"):
            ident = current.get("msgctxt", "") + "\x04" + current["msgid"] + "\x00" + current.get("msgid_plural", "")
            entries[ident] = (current.get("msgstr", current.get("msgstr[0]", "")), fuzzy)
        current, fuzzy = {}, False

    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        line = line.strip()
        if not line:
            flush()
            key = None
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"') and key:
            current[key] += ast.literal_eval(line)
        else:
            key, _sep, rest = line.partition(" ")
            current[key] = ast.literal_eval(rest)
    return entries


def test_every_app_with_user_text_has_a_catalogue() -> None:
    apps_with_text = {p.name for p in ROOT.iterdir() if p.is_dir() and (p / "apps.py").exists()}
    assert apps_with_text <= {p.name for p in APPS}, sorted(apps_with_text - {p.name for p in APPS})


@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_catalogue_is_complete_and_compiled(app: Path) -> None:
    po = app / "locale/zh_Hans/LC_MESSAGES/django.po"
    entries = parse_po(po)
    missing = [k.split("\x04")[1].split("\x00")[0] for k, (msgstr, fuzzy) in entries.items() if not msgstr or fuzzy]
    assert not missing, f"{po}: untranslated or fuzzy: {missing[:20]}"
    with open(app / "locale/zh_Hans/LC_MESSAGES/django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for ident, (msgstr, _fuzzy) in entries.items():
        context, rest = ident.split("\x04")
        msgid, plural = rest.split("\x00")
        found = (compiled.npgettext(context, msgid, plural, 1) if context and plural else
                 compiled.pgettext(context, msgid) if context else
                 compiled.ngettext(msgid, plural, 1) if plural else compiled.gettext(msgid))
        if found != msgstr:
            stale.append(msgid)
    assert not stale, f"{app.name}: .mo is older than .po for {stale[:10]} (run compilemessages)"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (xgettext) to extract strings")
@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_no_string_is_missing_from_the_catalogue(app: Path, tmp_path: Path) -> None:
    copy = tmp_path / app.name
    shutil.copytree(app, copy, ignore=shutil.ignore_patterns("tests", "__pycache__", "migrations"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "openfunnel.settings"}
    subprocess.run([sys.executable, "-P", "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
                   cwd=copy, env=env, check=True, capture_output=True)
    fresh = parse_po(copy / "locale/zh_Hans/LC_MESSAGES/django.po")
    missing = [k.split("\x04")[1].split("\x00")[0] for k, (msgstr, fuzzy) in fresh.items() if not msgstr or fuzzy]
    assert not missing, f"{app.name}: strings without a zh-Hans translation: {missing[:20]}"
