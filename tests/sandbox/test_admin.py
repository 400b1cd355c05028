"""The sandbox admin: arming faults for staff drills."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_add_fault_form_proposes_a_hang_just_past_the_read_timeout(admin_client, settings):
    settings.INTEGRATION_READ_TIMEOUT = 20.0

    response = admin_client.get(reverse("admin:sandbox_fault_add"))

    assert response.status_code == 200
    assert response.context["adminform"].form["delay_seconds"].value() == 21.0
