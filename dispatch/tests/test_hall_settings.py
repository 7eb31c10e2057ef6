"""The hall's referral and dispatch rule numbers are data (decision 0005, 0047): officers change
them in the console, the history names who, and the rules follow at once."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dispatch import services
from dispatch.errors import DispatchError
from dispatch.models import HallSettings
from dispatch.tests.conftest import MONDAY
from unioncore.errors import RuleViolation
from unioncore.testing import at

pytestmark = pytest.mark.django_db

FRIDAY = MONDAY - datetime.timedelta(days=3)
TUESDAY = MONDAY + datetime.timedelta(days=1)
PAGE = reverse("admin:dispatch_hallsettings_change", args=[1])


def _form_data(client, **changes) -> dict:
    form = client.get(PAGE).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    return {**{k: "" if v is None else v for k, v in data.items()}, **changes}


def test_an_officer_shortens_the_short_call_in_the_console_and_the_history_names_them(client, officer, make_request):
    client.force_login(officer)
    assert PAGE in client.get(reverse("admin:dispatch_hallsettings_changelist")).content.decode()  # its one row
    response = client.post(PAGE, _form_data(client, short_call_max_days=5, short_call_uncounted_days=2))
    assert response.status_code == 302, response.context["adminform"].form.errors
    hall = HallSettings.current()
    assert (hall.short_call_max_days, hall.short_call_uncounted_days) == (5, 2)
    assert hall.history.first().history_user == officer
    with pytest.raises(RuleViolation) as refused:
        make_request(is_short_call=True, expected_days=7)
    assert refused.value.error is DispatchError.SHORT_CALL_TOO_LONG
    assert "5 days" in refused.value.message


def test_a_dispatcher_reads_the_hall_settings_but_cannot_change_them(client, dispatcher):
    client.force_login(dispatcher)
    assert client.get(PAGE).status_code == 200
    assert client.post(PAGE, {"short_call_max_days": 30}).status_code == 403
    assert HallSettings.current().short_call_max_days == 10


def test_settings_that_contradict_each_other_are_refused_and_nothing_changes(client, officer):
    client.force_login(officer)
    response = client.post(PAGE, _form_data(client, short_call_max_days=3, short_call_uncounted_days=5))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert HallSettings.current().short_call_max_days == 10
    assert not HallSettings.objects.get().history.filter(history_type="~").exists()


def test_the_request_cut_off_and_the_bid_window_follow_the_hall_settings(make_request, officer):
    services.hall_settings_save(by=officer, request_cutoff=datetime.time(9, 0), bidding_opens=datetime.time(16, 0))
    with time_machine.travel(at(FRIDAY, 10), tick=False):
        # a Wednesday start: Tuesday at 7:00 would be before the referral (rule L2c)
        request = make_request(taken_at=timezone.now(), start_date=TUESDAY + datetime.timedelta(days=1))
    # Taken after the hall's 9 AM cut-off: not Monday's referral but Tuesday's.
    assert timezone.localtime(request.refer_at) == at(TUESDAY, 8).replace(minute=30)
    assert timezone.localtime(request.bidding_opens_at) == at(MONDAY, 16)
    assert timezone.localtime(request.bidding_closes_at) == at(TUESDAY, 7)
