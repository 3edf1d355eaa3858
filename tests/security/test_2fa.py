"""Two-factor sign-in (security.md E8): staff cannot reach a case, a staff page or a download
with a password alone; enrolment, codes and recovery codes work; workers may opt in.

These tests sign in through the real login form, so `client.force_login` is Django's own here
(`real_second_factor`), not the conftest wrapper that proves the second factor."""

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import recovery_codes_issue
from casework.permissions import visible_cases
from tests.factories import PASSWORD
from tests.security.test_case_urls import _urls, under_review  # noqa: F401 - a fixture

pytestmark = pytest.mark.real_second_factor

LOGIN = "/accounts/login/"
VERIFY = "/accounts/two-factor/"
SETUP = "/accounts/two-factor/setup/"


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    # django-otp's own back-off (1 s after a wrong code, doubling) is not what these test.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    cache.clear()
    yield
    cache.clear()


def sign_in_with_password(client, user):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD})


def code_for(device) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def staff_pages() -> list[str]:
    return [
        reverse("casework:queue"),
        reverse("casework:referral_inbox"),
        reverse("casework:lawyer_cases"),
        f"/{settings.ADMIN_PATH}",
    ]


def test_a_staff_password_alone_reaches_no_case_no_staff_page_and_no_download(
    client,
    world,
    under_review,  # noqa: F811
):
    # Given a caseworker who has an authenticator, signed in with the password only,
    case, document, evidence = under_review
    confirmed_device(world.caseworker)
    response = sign_in_with_password(client, world.caseworker)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    # when they open every URL of the case (downloads included) and the staff pages,
    urls = _urls(case, document, evidence) + staff_pages()
    assert len(urls) > 20
    for url in urls:
        got = client.get(url)
        # then each sends them to the code page, and no page shows the case.
        assert got.status_code == 302, url
        assert got["Location"].startswith(VERIFY), url
        assert case.reference not in got.content.decode(errors="replace")
        posted = client.post(url, {"body": "x", "note": "x"})
        assert posted.status_code == 302 and posted["Location"].startswith(VERIFY), url
    # and nothing was written by those POSTs.
    assert not case.notes.exists()


def test_a_staff_member_without_an_authenticator_is_led_to_enrolment(client, world, under_review):  # noqa: F811
    case, _document, _evidence = under_review
    response = sign_in_with_password(client, world.caseworker)
    assert response["Location"].startswith(SETUP)
    case_url = reverse("casework:case_detail", args=[case.reference])
    assert client.get(case_url)["Location"].startswith(SETUP)
    # The enrolment page shows the QR code as inline SVG and the key in base32.
    page = client.get(SETUP)
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and "<script" not in html
    assert "no-store" in page["Cache-Control"]
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1)
    device = TOTPDevice.objects.get(user=world.caseworker, confirmed=False)
    import base64

    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    # A wrong first code confirms nothing.
    assert (
        client.post(
            SETUP, {"code": "000000" if code_for(device) != "000000" else "111111"}
        ).status_code
        == 400
    )
    assert client.get(case_url).status_code == 302
    # The right one confirms the device, verifies the session and shows recovery codes once.
    done = client.post(SETUP, {"code": code_for(device), "next": case_url})
    assert done.status_code == 200
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", done.content.decode())
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=world.caseworker).confirmed
    assert client.get(case_url).status_code == 200
    # Recovery codes are stored only as keyed digests.
    stored = set(StaticToken.objects.values_list("token", flat=True))
    assert len(stored) == 10 and not stored & {c.replace("-", "") for c in codes}
    assert not stored & set(codes)


def test_a_signed_in_staff_member_with_a_device_cannot_enrol_another(client, world):
    confirmed_device(world.caseworker)
    sign_in_with_password(client, world.caseworker)
    response = client.get(SETUP)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert client.post(SETUP, {"code": "123456"}).status_code == 302
    assert TOTPDevice.objects.filter(user=world.caseworker).count() == 1


def test_the_code_from_the_authenticator_opens_the_case(client, world, under_review):  # noqa: F811
    case, _document, _evidence = under_review
    device = confirmed_device(world.caseworker)
    sign_in_with_password(client, world.caseworker)
    key_before = client.session.session_key
    case_url = reverse("casework:case_detail", args=[case.reference])
    wrong = client.post(VERIFY, {"code": "12345x", "next": case_url})
    assert wrong.status_code == 400
    assert client.get(case_url).status_code == 302
    response = client.post(VERIFY, {"code": code_for(device), "next": case_url})
    assert response.status_code == 302 and response["Location"] == case_url
    assert client.session.session_key != key_before  # a new key once the second factor is in
    assert client.get(case_url).status_code == 200


def test_an_outside_next_is_not_followed(client, world):
    device = confirmed_device(world.caseworker)
    sign_in_with_password(client, world.caseworker)
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_a_recovery_code_works_once(client, world, under_review):  # noqa: F811
    case, _document, _evidence = under_review
    confirmed_device(world.supervisor)
    codes = recovery_codes_issue(user=world.supervisor)
    case_url = reverse("casework:case_detail", args=[case.reference])
    sign_in_with_password(client, world.supervisor)
    assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    assert client.get(case_url).status_code == 200
    client.logout()
    sign_in_with_password(client, world.supervisor)
    assert client.post(VERIFY, {"code": codes[0]}).status_code == 400
    assert client.get(case_url).status_code == 302


@pytest.mark.parametrize(
    "role", ["caseworker", "supervisor", "coordinator", "lawyer", "analyst", "superuser"]
)
def test_every_staff_role_must_prove_a_second_factor(client, world, extra_users, role):
    user = getattr(extra_users if role == "superuser" else world, role)
    response = sign_in_with_password(client, user)
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    assert client.get("/")["Location"].startswith(SETUP)


def test_a_worker_signs_in_with_a_password_only(client, world, filed_case):
    response = sign_in_with_password(client, world.worker)
    assert response.status_code == 302 and not response["Location"].startswith("/accounts/")
    assert client.get(reverse("casework:my_case", args=[filed_case.reference])).status_code == 200


def test_a_worker_who_enrolled_must_give_the_code(client, world, filed_case):
    device = confirmed_device(world.worker)
    response = sign_in_with_password(client, world.worker)
    assert response["Location"].startswith(VERIFY)
    my_case = reverse("casework:my_case", args=[filed_case.reference])
    assert client.get(my_case).status_code == 302
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get(my_case).status_code == 200


def test_the_gate_gives_an_unverified_staff_session_nothing(client, world, under_review):  # noqa: F811
    # The gate itself (not only the middleware) refuses: a user object carrying django-otp's
    # "not verified" verdict sees no case.
    from django_otp.middleware import OTPMiddleware

    user = type(world.caseworker).objects.get(pk=world.caseworker.pk)
    OTPMiddleware._init_user_fields(user)
    assert not user.is_verified()
    assert not visible_cases(user).exists()
    verified = type(user).objects.get(pk=user.pk)
    assert visible_cases(verified).exists()


def test_force_login_of_these_tests_is_not_verified(client, world, under_review):  # noqa: F811
    case, _document, _evidence = under_review
    client.force_login(world.caseworker)
    assert client.get(reverse("casework:case_detail", args=[case.reference])).status_code == 302


def test_the_admin_is_reached_through_the_throttled_login_and_the_second_step(
    client, world, extra_users
):
    admin = f"/{settings.ADMIN_PATH}"
    assert client.get(admin)["Location"].startswith(f"{admin}login/")
    redirected = client.get(f"{admin}login/?next={admin}")
    assert redirected.status_code == 302
    assert redirected["Location"] == f"{LOGIN}?next={admin}"
    device = confirmed_device(extra_users.superuser)
    response = sign_in_with_password(client, extra_users.superuser)
    assert response["Location"].startswith(VERIFY)
    assert client.get(admin)["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get(admin).status_code == 200
    # The old, guessable address is nothing at all, signed in as a superuser or not.
    assert client.get("/admin/").status_code == 404
    assert client.get("/admin/login/").status_code == 404


def test_enrolment_and_recovery_codes_are_audited_without_the_codes(client, world):
    from casework.models import AuditEvent

    sign_in_with_password(client, world.lawyer)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=world.lawyer)
    page = client.post(SETUP, {"code": code_for(device)}).content.decode()
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", page)
    client.logout()
    sign_in_with_password(client, world.lawyer)
    client.post(VERIFY, {"code": codes[3]})
    events = list(
        AuditEvent.objects.filter(actor=world.lawyer)
        .exclude(verb__in=("signed_in", "signed_out"))  # tests/security/test_sign_in_audit.py
        .values_list("verb", "payload", "case")
    )
    assert [e[0] for e in events] == [
        "second_factor_enrolled",
        "recovery_codes_issued",
        "recovery_code_used",
    ]
    assert all(case is None for *_, case in events)
    text = repr(events)
    assert not any(c in text or c.replace("-", "") in text for c in codes)


def test_between_password_and_code_the_page_offers_only_signing_out(client, world):
    confirmed_device(world.caseworker)
    sign_in_with_password(client, world.caseworker)
    page = client.get(VERIFY).content.decode()
    assert reverse("casework:my_cases") not in page
    assert reverse("casework:queue") not in page
    assert reverse("accounts:logout") in page
