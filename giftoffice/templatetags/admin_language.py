"""The admin's language picker."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url

register = template.Library()


@register.simple_tag
def path_in_default_language(request: HttpRequest) -> str:
    """The current page's path (and query) as the default language spells it: `/ru/admin/x/` -> `/admin/x/`.

    set_language resolves `next` in the default language (its own URL has no prefix) before translating it
    to the chosen one; a prefixed `next` does not resolve there and the page would stay in its language.
    """
    return translate_url(request.get_full_path(), settings.LANGUAGE_CODE)
