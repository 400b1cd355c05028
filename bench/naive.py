"""The naive DRF way to serve the partner list and one gift: a ModelSerializer over the wire fields and
generic views. Not our API (its bytes differ: "" instead of null, datetimes with a zone, media URLs by
the storage): it shows readers where an ordinary DRF implementation stands. Mounted under /naive/ only
with GIFTOFFICE_NAIVE_API=1, for `make bench` and `make load`.
"""

from __future__ import annotations

from django.urls import path
from rest_framework import generics, serializers
from rest_framework.pagination import LimitOffsetPagination

from catalog.api.auth import ApiKeyAuthentication, HasPartnerKey
from catalog.gift_fields import WIRE_KEYS
from catalog.models import Gift


class NaiveGiftSerializer(serializers.ModelSerializer):
    class Meta:
        model = Gift
        fields = list(WIRE_KEYS)


class _NaiveView:
    queryset = Gift.objects.all()
    serializer_class = NaiveGiftSerializer
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasPartnerKey]
    pagination_class = None


class NaiveGiftList(_NaiveView, generics.ListAPIView):
    pagination_class = LimitOffsetPagination  # ?limit=&offset=, with the count, as DRF projects page


class NaiveGiftDetail(_NaiveView, generics.RetrieveAPIView):
    pass


urlpatterns = [
    path("gift/", NaiveGiftList.as_view(), name="naive-gift-list"),
    path("gift/<int:pk>/", NaiveGiftDetail.as_view(), name="naive-gift-detail"),
]
