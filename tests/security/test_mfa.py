"""Two-factor authentication: required for managers and administrators, offered to
everyone, recovery codes that work once, and no way round it by resetting a password or
signing in through the Django admin."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from commissioning import mfa
from commissioning.models import Role
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the user's app shows (``steps_ahead`` later: a code already used in this
    30-second step is refused, as it should be)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wait_out_throttle(user) -> None:
    """django-otp makes each wrong code cost a growing wait; let that wait pass."""
    from django.utils import timezone

    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).update(
            throttling_failure_timestamp=timezone.now() - timedelta(hours=1)
        )


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name=mfa.AUTHENTICATOR_NAME, confirmed=True)


def sign_in_password(client, user, password=DEFAULT_PASSWORD):
    return client.post(reverse("login"), {"username": user.email, "password": password})


def is_signed_in(client) -> bool:
    return client.get(reverse("dashboard")).status_code == 200


def test_manager_without_authenticator_must_set_one_up_to_sign_in(client, make_user):
    manager = make_user(Role.MANAGER)

    response = sign_in_password(client, manager)

    assert response.status_code == 302
    assert response["Location"] == reverse("sign-in-set-up")
    assert not is_signed_in(client), "the password alone must not sign a manager in"
    page = client.get(reverse("sign-in-set-up"))
    assert "<svg" in page.content.decode()  # the QR code, drawn without JavaScript
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    assert mfa.secret_text(device) in page.content.decode()

    wrong = client.post(reverse("sign-in-set-up"), {"code": "000000"})
    assert "The code is not right" in wrong.content.decode()
    assert not is_signed_in(client)
    wait_out_throttle(manager)

    done = client.post(reverse("sign-in-set-up"), {"code": code_for(device)})
    assert done["Location"] == reverse("mfa-recovery-codes")
    codes_page = client.get(reverse("mfa-recovery-codes")).content.decode()
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", codes_page)
    assert len(codes) == 10
    assert "only time these codes are shown" in codes_page
    # Shown once: the next visit no longer shows them.
    again = client.get(reverse("mfa-recovery-codes")).content.decode()
    assert not any(code in again for code in codes)
    assert is_signed_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_user_with_authenticator_signs_in_with_a_code(client, make_user):
    manager = make_user(Role.MANAGER)
    device = confirmed_device(manager)

    response = sign_in_password(client, manager)
    assert response["Location"] == reverse("sign-in-code")
    assert not is_signed_in(client)

    wrong = client.post(reverse("sign-in-code"), {"code": "123456"})
    assert "The code is not right" in wrong.content.decode()
    assert not is_signed_in(client)
    wait_out_throttle(manager)

    right = client.post(reverse("sign-in-code"), {"code": code_for(device)})
    assert right["Location"] == reverse("dashboard")
    assert is_signed_in(client)


def test_a_code_cannot_be_used_twice(client, make_user):
    officer = make_user(Role.OFFICER)
    device = confirmed_device(officer)
    code = code_for(device)
    sign_in_password(client, officer)
    client.post(reverse("sign-in-code"), {"code": code})
    client.post(reverse("logout"))

    sign_in_password(client, officer)
    replay = client.post(reverse("sign-in-code"), {"code": code})

    assert "The code is not right" in replay.content.decode()
    assert not is_signed_in(client)


def test_too_many_wrong_codes_means_signing_in_again(client, make_user):
    manager = make_user(Role.MANAGER)
    confirmed_device(manager)
    sign_in_password(client, manager)
    for _ in range(mfa.PENDING_MAX_FAILURES - 1):
        client.post(reverse("sign-in-code"), {"code": "000000"})
        wait_out_throttle(manager)

    last = client.post(reverse("sign-in-code"), {"code": "000000"}, follow=True)

    assert "Too many wrong codes" in last.content.decode()
    page = client.get(reverse("sign-in-code"))
    assert "Sign in again" in page.content.decode()


def test_recovery_codes_each_work_once(client, make_user):
    manager = make_user(Role.MANAGER)
    confirmed_device(manager)
    first, second, *_ = mfa.recovery_codes_replace(user=manager)

    sign_in_password(client, manager)
    ok = client.post(reverse("sign-in-code"), {"code": first.upper()}, follow=True)
    assert "You signed in with a recovery code. You have 9 left" in ok.content.decode()
    assert is_signed_in(client)
    client.post(reverse("logout"))

    sign_in_password(client, manager)
    reused = client.post(reverse("sign-in-code"), {"code": first})
    assert "The code is not right" in reused.content.decode()
    assert not is_signed_in(client)
    wait_out_throttle(manager)
    client.post(reverse("sign-in-code"), {"code": second})
    assert is_signed_in(client)


def test_officer_without_mfa_signs_in_with_password_alone(client, make_user):
    officer = make_user(Role.OFFICER)

    response = sign_in_password(client, officer)

    assert response["Location"] == reverse("dashboard")
    assert is_signed_in(client)


def test_anyone_can_turn_mfa_on_from_their_account_after_confirming_password(client, make_user):
    provider = make_user(Role.PROVIDER)
    sign_in_password(client, provider)
    # Re-authentication is needed after 5 minutes; pretend that time has passed.
    session = client.session
    session[mfa.REAUTHENTICATED_AT_KEY] = int(time.time()) - 301
    session.save()

    page = client.get(reverse("account-security"))
    assert "Two-factor authentication" in page.content.decode()
    setup = client.get(reverse("mfa-setup"))
    assert setup["Location"].startswith(reverse("reauthenticate"))
    wrong = client.post(setup["Location"], {"password": "not my password"})
    assert "The password is not right" in wrong.content.decode()
    confirmed = client.post(setup["Location"], {"password": DEFAULT_PASSWORD})
    assert confirmed["Location"] == reverse("mfa-setup")

    client.get(reverse("mfa-setup"))
    device = TOTPDevice.objects.get(user=provider)
    done = client.post(reverse("mfa-setup"), {"code": code_for(device)})
    assert done["Location"] == reverse("mfa-recovery-codes")
    client.post(reverse("logout"))

    # From now on signing in asks for a code.
    assert sign_in_password(client, provider)["Location"] == reverse("sign-in-code")
    client.post(reverse("sign-in-code"), {"code": code_for(device, steps_ahead=1)})
    assert is_signed_in(client)


def test_optional_mfa_can_be_turned_off_but_not_by_a_manager(client, make_user):
    officer = make_user(Role.OFFICER)
    device = confirmed_device(officer)
    sign_in_password(client, officer)
    client.post(reverse("sign-in-code"), {"code": code_for(device)})
    off = client.post(reverse("mfa-turn-off"), follow=True)
    assert "Two-factor authentication is off" in off.content.decode()
    assert not TOTPDevice.objects.filter(user=officer).exists()

    manager = make_user(Role.MANAGER)
    manager_device = confirmed_device(manager)
    client.post(reverse("logout"))
    sign_in_password(client, manager)
    client.post(reverse("sign-in-code"), {"code": code_for(manager_device)})
    refused = client.post(reverse("mfa-turn-off"), follow=True)
    assert "Your role needs two-factor authentication" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=manager).exists()


def test_new_recovery_codes_need_a_recent_password(client, make_user):
    officer = make_user(Role.OFFICER)
    device = confirmed_device(officer)
    old = mfa.recovery_codes_replace(user=officer)
    sign_in_password(client, officer)
    client.post(reverse("sign-in-code"), {"code": code_for(device)})
    session = client.session
    session[mfa.REAUTHENTICATED_AT_KEY] = int(time.time()) - 301
    session.save()

    response = client.post(reverse("mfa-recovery-codes"))
    assert response["Location"].startswith(reverse("reauthenticate"))

    client.post(response["Location"], {"password": DEFAULT_PASSWORD})
    client.post(reverse("mfa-recovery-codes"))
    page = client.get(reverse("mfa-recovery-codes")).content.decode()
    new = re.findall(r"<li><code>([a-z0-9]+)</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)


def test_password_reset_does_not_bypass_mfa(client, make_user):
    manager = make_user(Role.MANAGER)
    device = confirmed_device(manager)
    url = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(manager.pk)),
            "token": default_token_generator.make_token(manager),
        },
    )
    form_url = client.get(url)["Location"]
    new_password = "a long new passphrase for testing"
    done = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert done["Location"] == reverse("password_reset_complete")
    assert not is_signed_in(client)

    response = sign_in_password(client, manager, password=new_password)
    assert response["Location"] == reverse("sign-in-code")
    assert not is_signed_in(client)
    client.post(reverse("sign-in-code"), {"code": code_for(device)})
    assert is_signed_in(client)


def test_django_admin_signs_in_through_the_portal_with_mfa(client, make_user):
    admin = make_user(Role.ADMIN)

    to_admin_login = client.get(reverse("admin:index"))
    to_portal = client.get(to_admin_login["Location"])
    assert to_portal["Location"].startswith(reverse("login"))

    # Posting the password to the admin's own login page signs no one in.
    client.post(reverse("admin:login"), {"username": admin.email, "password": DEFAULT_PASSWORD})
    assert client.get(reverse("admin:index")).status_code == 302

    # The portal's sign-in asks an administrator for two-factor before the admin opens.
    response = client.post(
        f"{reverse('login')}?next={reverse('admin:index')}",
        {"username": admin.email, "password": DEFAULT_PASSWORD},
    )
    assert response["Location"] == reverse("sign-in-set-up")
    assert client.get(reverse("admin:index")).status_code == 302
    device = mfa.authenticator_being_set_up(admin)
    client.post(reverse("sign-in-set-up"), {"code": code_for(device)})
    codes_page = client.get(reverse("mfa-recovery-codes")).content.decode()
    assert f'href="{reverse("admin:index")}"' in codes_page
    assert client.get(reverse("admin:index")).status_code == 200


def test_signed_in_non_staff_sent_to_admin_login_is_refused_not_looped(officer_client):
    assert officer_client.get(reverse("admin:login")).status_code == 403


def test_the_suite_helper_signs_a_manager_in_through_both_steps(client, make_user):
    from tests.conftest import authenticator_code

    manager = make_user(Role.MANAGER)
    code = authenticator_code(manager)
    sign_in_password(client, manager)
    client.post(reverse("sign-in-code"), {"code": code})
    assert is_signed_in(client)
