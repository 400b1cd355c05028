"""Text and link rules shared by the partner API (catalog.services.gift_input), the admin (model field
validators) and the pull, so one gift is judged the same wherever it comes from.

The checks return English messages (the API's and the run records' language); the field validators
translate them when they raise, so the admin shows them in the staff's language.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_noop

# Long enough for any real description (a few screens of text); every full list carries it, so it is
# bounded like every other text field.
DESCRIPTION_MAX_LENGTH = 5000

NULL_CHARACTERS = gettext_noop("Null characters are not allowed.")
CONTROL_CHARACTERS = gettext_noop("Control characters are not allowed.")
INVALID_URL = gettext_noop("Enter a valid URL.")
CREDENTIALS = gettext_noop("Links may not contain a user name or password.")
PRIVATE_HOST = gettext_noop("Links to local or private network addresses are not allowed.")
NUMERIC_HOST = gettext_noop("Write the host as a domain name or a standard IP address.")

# Every label a number (decimal, octal 0177 or hex 0x7f): browsers read such hosts as IPv4 addresses
# (http://2130706433/ is 127.0.0.1), which would slip past the address checks below.
_NUMERIC_HOST_RE = re.compile(r"(?:0x[0-9a-f]*|\d+)(?:\.(?:0x[0-9a-f]*|\d+)){0,3}\.?\Z", re.ASCII)
# Control characters (Unicode category Cc: C0, DEL, C1) and the Unicode line/paragraph separators.
# Regular expressions, not a loop per character: a bulk request carries megabytes of text.
SINGLE_LINE_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
MULTILINE_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def control_character_problem(value: str, *, multiline: bool = False) -> str | None:
    """Names and links are one line of visible text; descriptions may also hold tabs and line breaks."""
    found = (MULTILINE_CONTROL_RE if multiline else SINGLE_LINE_CONTROL_RE).search(value)
    if found is None:
        return None
    return NULL_CHARACTERS if found.group() == "\x00" else CONTROL_CHARACTERS


def allow_private_hosts() -> bool:
    return settings.GIFT_LINKS_ALLOW_PRIVATE_HOSTS


def link_problem(url: str) -> str | None:
    """Why an absolute http(s) URL may not be sent to partners' users, or None.

    Refused always: a user name or password in the URL (a credential leak, or a phishing disguise such
    as https://bank.example@evil.example/), link-local, unspecified, multicast and reserved addresses
    (169.254.169.254 is a cloud metadata service), hosts written as bare numbers in a non-standard form.
    Loopback and private addresses (127.0.0.1, localhost, 10/8, 192.168/16, ...) are refused unless
    GIFT_LINKS_ALLOW_PRIVATE_HOSTS (on with DEBUG: the demo's links point at the local machine).
    Host names are not resolved: a public name that resolves to a private address is not caught here.
    """
    if problem := control_character_problem(url):
        return problem
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return INVALID_URL
    if "@" in parts.netloc:
        return CREDENTIALS
    if not host:
        return None
    private = PRIVATE_HOST
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if _NUMERIC_HOST_RE.match(host):
            return NUMERIC_HOST
        if host.rstrip(".") == "localhost" or host.rstrip(".").endswith(".localhost"):
            return None if allow_private_hosts() else private
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_link_local or address.is_unspecified or address.is_multicast:
        return private
    if address.is_loopback or address.is_private:
        return None if allow_private_hosts() else private
    if not address.is_global:  # reserved, shared (100.64/10), documentation ranges
        return private
    return None


def validate_link(value: str) -> None:
    if value and (problem := link_problem(value)):
        raise ValidationError(gettext(problem), code="link")


def validate_single_line(value: str) -> None:
    if value and (problem := control_character_problem(value)):
        raise ValidationError(gettext(problem), code="control_characters")


def validate_multiline(value: str) -> None:
    if value and (problem := control_character_problem(value, multiline=True)):
        raise ValidationError(gettext(problem), code="control_characters")
