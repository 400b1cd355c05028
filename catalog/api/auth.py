"""`Authorization: Api-Key <key>` for the partner API, and who may write."""

from __future__ import annotations

from rest_framework import authentication, exceptions, permissions

from catalog.models import PartnerApiKey
from catalog.services.api_keys import authenticate_api_key

KEYWORD = "Api-Key"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """request.user = the key's Partner, request.auth = the PartnerApiKey."""

    def authenticate(self, request):
        header = request._request.META.get("HTTP_AUTHORIZATION", "")  # WSGI: a latin-1 str
        if isinstance(header, bytes):
            header = header.decode("latin-1")
        header = header.strip()
        if not header:
            return None
        keyword, _, plain_key = header.partition(" ")
        if keyword.lower() != KEYWORD.lower() or not plain_key.strip():
            raise exceptions.AuthenticationFailed(f"Use the header 'Authorization: {KEYWORD} <key>'.")
        # Reads record the key's use after the answer is sent (PartnerApiView.finalize_response).
        api_key = authenticate_api_key(
            plain_key=plain_key.strip(), defer_touch=request.method in permissions.SAFE_METHODS
        )
        if api_key is None:
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
