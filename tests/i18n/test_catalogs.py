"""The committed catalogs: every message translated in every staff language, nothing fuzzy, and the
compiled .mo files (what Django loads; a fresh clone has no gettext tools to build them) in step with
the .po files. A string added or changed without its translations fails here."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
# English is the source language; every other admin language needs a complete catalog.
TRANSLATED = [code for code in settings.LANGUAGE_CODES if code != "en"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sdr]|\{[^{}]*\}")


def _po(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))


def _mo(language: str) -> polib.MOFile:
    return polib.mofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"))


def _messages(catalog: polib._BaseFile) -> dict[tuple[str | None, str, str], tuple[str, ...]]:
    """(context, msgid, msgid_plural) -> translations, in plural-form order."""
    return {
        (entry.msgctxt, entry.msgid, entry.msgid_plural): (
            tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
            if entry.msgid_plural
            else (entry.msgstr,)
        )
        for entry in catalog
        if not entry.obsolete
    }


def test_every_staff_language_but_english_has_a_catalog():
    assert TRANSLATED == ["ro", "ru", "uk"]
    for language in TRANSLATED:
        assert (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").is_file()
        assert (LOCALE_DIR / language / "LC_MESSAGES" / "django.mo").is_file()


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy_or_obsolete(language):
    po = _po(language)

    assert len(po) > 300
    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    assert [entry.msgid for entry in po.obsolete_entries()] == []
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == language


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder_and_fill_every_plural_form(language):
    po = _po(language)
    nplurals = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))

    broken = []
    for entry in po:
        if entry.msgid_plural:
            if sorted(entry.msgstr_plural) != list(range(nplurals)):
                broken.append((entry.msgid, "plural forms"))
            source = sorted(PLACEHOLDER.findall(entry.msgid_plural))
            translations = list(entry.msgstr_plural.values())
        else:
            source = sorted(PLACEHOLDER.findall(entry.msgid))
            translations = [entry.msgstr]
        broken += [
            (entry.msgid, text) for text in translations if sorted(PLACEHOLDER.findall(text)) != source
        ]

    assert broken == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalog_matches_the_po_file(language):
    po, mo = _po(language), _mo(language)

    assert _messages(mo) == _messages(po)
    assert mo.metadata["Plural-Forms"] == po.metadata["Plural-Forms"]
