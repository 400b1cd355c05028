"""The sandbox admin: arming faults for staff drills."""

import pytest
from django.urls import reverse

from giftoffice.sandbox import faults
from giftoffice.sandbox.models import Fault

pytestmark = pytest.mark.django_db


def test_the_add_fault_form_proposes_a_hang_just_past_the_read_timeout(admin_client, settings):
    settings.INTEGRATION_READ_TIMEOUT = 20.0

    response = admin_client.get(reverse("admin:sandbox_fault_add"))

    assert response.status_code == 200
    assert response.context["adminform"].form["delay_seconds"].value() == 21.0


def add_fault(admin_client, **fields):
    form = {"provider": "giftly", "kind": "http_500", "path": "", "remaining": "1", "delay_seconds": "6"}
    form.update(fields)
    form["retry_after"] = "1"
    return admin_client.post(reverse("admin:sandbox_fault_add"), form)


def test_a_fault_armed_in_the_admin_is_stored_like_one_armed_by_the_control_endpoint(admin_client):
    # when
    response = add_fault(admin_client, path="/api/v1/giftly/buyGift/")

    # then
    assert response.status_code == 302
    fault = Fault.objects.get()
    assert fault.path == "api/v1/giftly/buyGift"
    assert faults.take(provider="giftly", path="/api/v1/giftly/buyGift") == fault


def test_the_admin_refuses_a_fault_with_no_shots_left(admin_client):
    response = add_fault(admin_client, remaining="0")

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [(field, [e.code for e in errs]) for field, errs in errors.items()] == [
        ("remaining", ["min_value"])
    ]
    assert Fault.objects.count() == 0
