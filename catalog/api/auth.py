"""`Authorization: Api-Key <key>` for the partner API, and who may write."""

from __future__ import annotations

import functools
import ipaddress

from django.conf import settings
from rest_framework import authentication, exceptions, permissions

from catalog.api.throttling import auth_failures_exceeded, record_auth_failure
from catalog.models import PartnerApiKey
from catalog.services.api_keys import authenticate_api_key

KEYWORD = "Api-Key"
_TOO_MANY = "Too many failed authentications from your address."


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """request.user = the key's Partner, request.auth = the PartnerApiKey."""

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")  # WSGI: a latin-1 str
        if isinstance(header, bytes):
            header = header.decode("latin-1")
        header = header.strip()
        if not header:
            return None
        address = client_address(request.META)
        keyword, _, plain_key = header.partition(" ")
        well_formed = keyword.lower() == KEYWORD.lower() and bool(plain_key.strip())
        # Checked before the key is: over the limit, a right guess must look exactly like a wrong one.
        if (wait := auth_failures_exceeded(address)) is not None:
            raise exceptions.Throttled(wait, _TOO_MANY)
        if not well_formed:
            record_auth_failure(address)
            raise exceptions.AuthenticationFailed(f"Use the header 'Authorization: {KEYWORD} <key>'.")
        defer_touch = request.method in permissions.SAFE_METHODS  # reads: PartnerApiView.finalize_response
        api_key = authenticate_api_key(plain_key=plain_key.strip(), defer_touch=defer_touch)
        if api_key is None:
            record_auth_failure(address)
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        return api_key.partner, api_key

    def authenticate_header(self, request) -> str:
        # A WWW-Authenticate value makes DRF answer 401 (not 403) when the key is missing or wrong.
        return KEYWORD


class HasPartnerKey(permissions.BasePermission):
    """Any valid key reads; writing (any unsafe method) needs a key with can_write."""

    message = "This API key is read-only."

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, PartnerApiKey):
            raise exceptions.NotAuthenticated(f"Send your key as 'Authorization: {KEYWORD} <key>'.")
        return request.method in permissions.SAFE_METHODS or request.auth.can_write


@functools.cache
def _trusted_networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _is_trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _trusted_networks(tuple(settings.TRUSTED_PROXIES)))


def client_address(meta: dict) -> str:
    """The address a request came from. X-Forwarded-For is believed only when the direct peer is one of
    TRUSTED_PROXIES (anyone else can write that header): then the right-most address in it that is not
    itself a trusted proxy is the client."""
    remote = meta.get("REMOTE_ADDR", "") or "unknown"
    if not settings.TRUSTED_PROXIES or not _is_trusted(remote):
        return remote
    hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop):
            return hop
    return hops[0] if hops else remote
