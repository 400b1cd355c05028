"""Reading the admin's rendered HTML: column headers, labels, filters, actions, as the user sees them."""

from __future__ import annotations

import html
import re

PREFIX = {"ro": "", "ru": "/ru", "en": "/en", "uk": "/uk"}  # ro is the default: /admin/ has no prefix


def admin_url(language: str, path: str) -> str:
    return f"{PREFIX[language]}/admin/{path}"


def text(fragment: str) -> str:
    """Visible text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def column_headers(page: str) -> dict[str, str]:
    """Changelist column -> its header text (sort priority digits and toggles left out)."""
    return {
        column: text(inner)
        for column, inner in re.findall(
            r'<th scope="col" class="[^"]*\bcolumn-(\w+)[^"]*">.*?<div class="text">(.*?)</div>', page, re.S
        )
    }


def cell(page: str, column: str) -> str:
    """The first row's cell of a changelist column."""
    match = re.search(rf'<t[dh] class="field-{column}[^"]*">(.*?)</t[dh]>', page, re.S)
    assert match, f"no {column} cell"
    return text(match.group(1))


def labels(page: str) -> dict[str, str]:
    """Form field id -> its label, without the trailing colon."""
    return {
        field_id: text(inner).removesuffix(":")
        for field_id, inner in re.findall(r'<label[^>]*\bfor="id_(\w+)"[^>]*>(.*?)</label>', page, re.S)
    }


def help_text(page: str, field: str) -> str:
    match = re.search(rf'<div class="help" id="id_{field}_helptext">(.*?)</div>\s*</div>', page, re.S)
    assert match, f"no help text for {field}"
    return text(match.group(1))


def filter_titles(page: str) -> list[str]:
    return [html.unescape(title) for title in re.findall(r'<details data-filter-title="([^"]*)"', page)]


def actions(page: str) -> dict[str, str]:
    select = re.search(r'<select name="action"[^>]*>(.*?)</select>', page, re.S)
    assert select, "no action select"
    return {
        value: text(label)
        for value, label in re.findall(r'<option value="(\w+)"[^>]*>(.*?)</option>', select.group(1))
    }


def headings(page: str) -> list[str]:
    return [
        text(inner)
        for inner in re.findall(r'<h2[^>]*class="(?:fieldset|inline)-heading"[^>]*>(.*?)</h2>', page, re.S)
    ]


def buttons(page: str) -> list[str]:
    return [text(inner) for inner in re.findall(r"<button[^>]*>(.*?)</button>", page, re.S)]
