"""Finding English source strings on a page rendered in another language.

The English strings are the msgids of every catalog the admin draws on: ours, Django's (admin and core)
and django-q2's. A visible text that is exactly such a msgid was not translated, unless the language's
catalog translates it to the same word on purpose (ro "Status", uk "Email"): those are allowed.
"""

from __future__ import annotations

from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import django
import django_q
import polib
from django.conf import settings

OURS = Path(settings.LOCALE_PATHS[0])
DJANGO = Path(django.__file__).parent
CATALOGS = {
    "ours": lambda lang: OURS / lang / "LC_MESSAGES" / "django.po",
    "admin": lambda lang: DJANGO / "contrib" / "admin" / "locale" / lang / "LC_MESSAGES" / "django.po",
    "core": lambda lang: DJANGO / "conf" / "locale" / lang / "LC_MESSAGES" / "django.po",
    "django_q": lambda lang: Path(django_q.__file__).parent / "locale" / lang / "LC_MESSAGES" / "django.po",
}
# Words that are the same in the language or are names, not English text ("ID", language codes).
SAME_EVERYWHERE = {"ID", "URL", "API", "OK", "PNG", "JSON", "ro", "ru", "en", "uk", "—"}


@cache
def english_strings() -> frozenset[str]:
    """Every msgid (and plural msgid) of the catalogs, as it would show: placeholders left out."""
    found: set[str] = set()
    for path_of in CATALOGS.values():
        for lang in ("ro", "ru"):  # django_q has no ro catalog; the msgids are the same in each
            path = path_of(lang)
            if path.is_file():
                for entry in polib.pofile(str(path)):
                    for msgid in (entry.msgid, entry.msgid_plural):
                        if msgid and "%" not in msgid and "{" not in msgid and len(msgid) > 1:
                            found.add(msgid.strip())
    return frozenset(found)


@cache
def same_in(language: str) -> frozenset[str]:
    """msgids a catalog of `language` translates to themselves."""
    same = set(SAME_EVERYWHERE)
    for path_of in CATALOGS.values():
        path = path_of(language)
        if path.is_file():
            for entry in polib.pofile(str(path)):
                if entry.msgstr.strip() == entry.msgid.strip():
                    same.add(entry.msgid.strip())
    return frozenset(same)


class _Texts(HTMLParser):
    SKIP = {"script", "style", "noscript", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.texts.append(attributes["value"])
        for name in ("title", "placeholder", "aria-label"):
            if attributes.get(name):
                self.texts.append(attributes[name])

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(data)


def visible_texts(page: str) -> list[str]:
    parser = _Texts()
    parser.feed(page)
    return [" ".join(text.split()).strip().rstrip(":").strip() for text in parser.texts]


def english_left(page: str, language: str) -> list[str]:
    """The English source strings the page shows in `language`, in page order, each once."""
    english, allowed = english_strings(), same_in(language)
    shown = [text for text in visible_texts(page) if text in english and text not in allowed]
    return list(dict.fromkeys(shown))
