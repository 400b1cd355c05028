from datetime import UTC, datetime, timedelta

import factory
from django.conf import settings
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from catalog.models import Gift, PartnerSite

BASE_TIME = datetime(2025, 8, 25, 9, 50, tzinfo=UTC)


class GiftFactory(DjangoModelFactory):
    class Meta:
        model = Gift

    name_ro = factory.Sequence(lambda n: f"Cadou {n}")
    name_ru = factory.Sequence(lambda n: f"Подарок {n}")
    name_en = factory.Sequence(lambda n: f"Gift {n}")
    name_uk = factory.Sequence(lambda n: f"Подарунок {n}")
    description_ro = factory.Sequence(lambda n: f"Descriere {n}")
    description_en = factory.Sequence(lambda n: f"Description {n}")
    link_ro = factory.Sequence(lambda n: f"https://shop.example.com/ro/gift/{n}")
    link_en = factory.Sequence(lambda n: f"https://shop.example.com/en/gift/{n}")
    start_time = factory.Sequence(lambda n: BASE_TIME + timedelta(hours=n))
    removal_time = factory.LazyAttribute(lambda gift: gift.start_time + timedelta(days=5))
    active = True


class PartnerSiteFactory(DjangoModelFactory):
    class Meta:
        model = PartnerSite

    name = factory.Sequence(lambda n: f"site-{n}")
    base_url = "http://127.0.0.1:9/partner"
    auth_header = factory.LazyFunction(lambda: settings.SANDBOX_PARTNER_AUTH_HEADER)
    auth_secret = factory.LazyFunction(lambda: settings.SANDBOX_PARTNER_SECRET)
    timeout_seconds = 5.0
    batch_size = 500


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def permissions(self, create, extracted, **kwargs):
        from django.contrib.auth.models import Permission

        for dotted in extracted or []:
            app_label, codename = dotted.split(".")
            self.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        self.save()
