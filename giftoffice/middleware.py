"""Middleware for the staff site that the partner API (/external/) does without.

The API answers JSON in one language whatever Accept-Language says, and never shows flash messages;
setting both up cost about a fifth of serving a page of 100 gifts (make bench, list_100).
"""

from __future__ import annotations

from django.contrib.messages.middleware import MessageMiddleware
from django.middleware.locale import LocaleMiddleware

PARTNER_API_PREFIX = "/external/"


class SiteLocaleMiddleware(LocaleMiddleware):
    """Django's LocaleMiddleware, for every path but the partner API's."""

    def process_request(self, request):
        if request.path_info.startswith(PARTNER_API_PREFIX):
            return None
        return super().process_request(request)

    def process_response(self, request, response):
        if request.path_info.startswith(PARTNER_API_PREFIX):
            return response
        return super().process_response(request, response)


class SiteMessageMiddleware(MessageMiddleware):
    """Django's MessageMiddleware, for every path but the partner API's (it skips requests without
    message storage on the way out by itself)."""

    def process_request(self, request):
        if not request.path_info.startswith(PARTNER_API_PREFIX):
            super().process_request(request)
