"""The demo stays usable with staff two-factor sign-in: its staff get the published demo key."""

from io import StringIO

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.second_factor import second_factor_check
from accounts.services import membership_grant
from casework.demo.second_factor import DEMO_TOTP_SECRET, ensure_demo_devices

pytestmark = pytest.mark.real_second_factor


def test_demo_staff_get_the_demo_key_and_its_code_signs_them_in(world):
    caseworker = User.objects.create(username="caseworker1")
    membership_grant(user=caseworker, organisation=world.wujin, role="caseworker")
    worker = User.objects.create(username="worker1")
    assert "caseworker1" in ensure_demo_devices()
    assert ensure_demo_devices() == []  # idempotent
    assert not TOTPDevice.objects.filter(user=worker).exists()
    out = StringIO()
    call_command("demo_totp", stdout=out)
    code = out.getvalue().split()[0]
    assert DEMO_TOTP_SECRET in out.getvalue()
    assert second_factor_check(user=caseworker, code=code) is not None
