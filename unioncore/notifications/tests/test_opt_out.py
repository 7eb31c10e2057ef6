"""STOP / START (decision 0045): texted to the hall's number through the provider's webhook
(behind a shared secret), or set in the portal; recorded per person with its history. And the
console's page of every message text."""

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils.datastructures import MultiValueDict

from unioncore.notifications import services as outbox
from unioncore.notifications import sms
from unioncore.notifications.enums import OptOutVia
from unioncore.notifications.models import SmsOptOut
from unioncore.tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db]

PHONE = "+12065550199"
SECRET = "s3cret-hook-key"
TOKEN = "twilio-auth-token-for-tests"


@pytest.fixture
def person():
    return UserFactory(phone=PHONE, email="person@example.org")


def inbound(client, body, *, key=SECRET, sender=PHONE):
    return client.post(f"/sms/inbound/?key={key}", {"From": sender, "Body": body})


def opted_out(user) -> bool | None:
    choice = SmsOptOut.objects.filter(user=user).first()
    return None if choice is None else choice.opted_out


@override_settings(SMS_WEBHOOK_SECRET=SECRET)
def test_stop_and_start_texted_to_the_hall_are_recorded_with_their_history(client, person):
    response = inbound(client, "Stop")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    choice = SmsOptOut.objects.get(user=person)
    assert (choice.opted_out, choice.via) == (True, OptOutVia.SMS)
    assert inbound(client, "STOP").status_code == 200
    assert inbound(client, "start").status_code == 200
    assert opted_out(person) is False
    assert [(h.opted_out, h.history_user) for h in SmsOptOut.history.order_by("history_id")] == [
        (True, person), (False, person),
    ], "a repeated STOP records nothing new"  # fmt: skip


@override_settings(SMS_WEBHOOK_SECRET=SECRET)
def test_the_webhook_refuses_a_wrong_key_and_leaves_other_texts_and_strangers_alone(client, person):
    assert inbound(client, "STOP", key="guess").status_code == 403
    assert client.post("/sms/inbound/", {"From": PHONE, "Body": "STOP"}).status_code == 403
    assert inbound(client, "Stop texting me about jobs please").status_code == 200
    assert inbound(client, "STOP", sender="+12065550100").status_code == 200
    assert client.get(f"/sms/inbound/?key={SECRET}").status_code == 405
    assert opted_out(person) is None


def test_the_signature_is_twilio_s_documented_example():
    """Twilio's published vectors (auth token 12345), one with a repeated parameter."""
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234", "From": "+14158675309",
              "To": "+18005551212"}  # fmt: skip
    assert sms.twilio_signature("12345", url, params) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = MultiValueDict({"Sid": ["CA123"], "SidAccount": ["AC123"], "Digits": ["5678", "1234", "1234"]})
    assert sms.twilio_signature("12345", url, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


@override_settings(SMS_WEBHOOK_SECRET=SECRET, TWILIO_AUTH_TOKEN=TOKEN)
def test_with_an_auth_token_only_a_request_twilio_signed_is_taken(client, person):
    url = f"http://testserver/sms/inbound/?key={SECRET}"
    form = {"From": PHONE, "Body": "STOP"}

    def post(signature):
        return client.post(f"/sms/inbound/?key={SECRET}", form, headers={"X-Twilio-Signature": signature})

    assert inbound(client, "STOP").status_code == 403  # no signature
    assert post(sms.twilio_signature("another-token", url, form)).status_code == 403
    assert post(sms.twilio_signature(TOKEN, url, {**form, "Body": "START"})).status_code == 403
    assert opted_out(person) is None  # nothing changed
    assert post(sms.twilio_signature(TOKEN, url, form)).status_code == 200
    assert opted_out(person) is True


@override_settings(SMS_WEBHOOK_SECRET="")
def test_without_a_secret_the_webhook_is_off(client, person):
    assert inbound(client, "STOP", key="").status_code == 404
    assert opted_out(person) is None


def test_the_portal_switch_turns_texts_off_and_on(client, person):
    client.login(username=person.username, password=PASSWORD)
    page = client.get(reverse("portal:text-messages"))
    assert b"Stop text messages" in page.content
    client.post(reverse("portal:text-messages"), {"texts": "off"})
    assert opted_out(person) is True
    assert SmsOptOut.objects.get(user=person).via == OptOutVia.PORTAL
    assert b"Send me text messages again" in client.get(reverse("portal:text-messages")).content
    response = client.post(reverse("portal:text-messages"), {"texts": "maybe"}, follow=True)
    assert b"Choose whether you want text messages" in response.content
    assert opted_out(person) is True, "a bad answer changes nothing"
    client.post(reverse("portal:text-messages"), {"texts": "on"})
    assert opted_out(person) is False


def test_the_portal_switch_needs_a_sign_in(client):
    response = client.post(reverse("portal:text-messages"), {"texts": "off"})
    assert response.status_code == 302
    assert not SmsOptOut.objects.exists()


def test_a_bad_channel_is_refused_and_writes_nothing(person):
    from unioncore.errors import RuleViolation

    with pytest.raises(RuleViolation):
        outbox.sms_opt_out(user=person, by=person, via="fax")
    assert not SmsOptOut.objects.exists()


def test_staff_read_every_message_text_and_whether_it_is_critical(client, dispatcher):
    client.force_login(dispatcher)
    page = client.get(reverse("admin:notifications_catalogue")).content.decode()
    for kind in ("offer", "bid_not_accepted", "re_sign_open", "check_mark", "no_show_warning", "verify_t0"):
        assert f"<code>{kind}</code>" in page
    assert "Answer by {answer_by}" in page
    row = page.split("<code>verify_t0</code>")[1].split("</tr>")[0]
    assert "Critical" in row
    row = page.split("<code>offer</code>")[1].split("</tr>")[0]
    assert "Critical" not in row
    changelist = client.get(reverse("admin:notifications_notification_changelist")).content.decode()
    assert reverse("admin:notifications_catalogue") in changelist


def test_a_member_may_not_read_the_console_s_message_page(client, person):
    client.force_login(person)
    assert client.get(reverse("admin:notifications_catalogue")).status_code == 302
