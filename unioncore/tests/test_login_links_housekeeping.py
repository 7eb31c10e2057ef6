"""Sign-in links after they are sent (docs/decisions/0017, 0025): staff see them in the console,
read-only; links long expired are pruned daily, their history kept; one client address gets at
most LOGIN_LINKS_PER_ADDRESS links per link lifetime, whatever numbers it types."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.schedules import crontab
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.tests.factories import MemberFactory
from unioncore import services, tasks
from unioncore.celery import app
from unioncore.models import LoginLink, UserKind
from unioncore.notifications import sms
from unioncore.notifications.enums import Channel
from unioncore.notifications.models import Notification
from unioncore.portal.testing import deliver_pending, texted_sign_in_path
from unioncore.tests.factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
ADDRESS, OTHER_ADDRESS = "203.0.113.7", "198.51.100.23"


@pytest.fixture(autouse=True)
def fresh_counts(fresh_throttles, tasks_at_once):
    """The per-address counts live in Redis: each test starts at zero (fresh_throttles), and
    leaves none behind for the next test module (the portal tests ask from one address too)."""
    sms.reset()
    yield
    cache.clear()
    sms.reset()


def make_member(n: int):
    user = UserFactory(kind=UserKind.MEMBER, phone=f"+120655501{n:02d}")
    MemberFactory(user=user)
    return user


def ask_for_link(identifier, *, address=ADDRESS):
    return Client(REMOTE_ADDR=address).post(reverse("portal:login-link"), {"identifier": identifier})


def count_queries(client, url) -> int:
    client.get(url)  # warm the per-process caches (content types, session): only the page counts
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.fixture
def admin_client(client):
    client.force_login(StaffFactory(groups=["admin"]))
    return client


# --- The console ---


def one_link_in_each_state():
    """A used, an expired and a waiting link (through the services), with the keys texted."""
    used_by, expired_by, waiting_by = make_member(1), make_member(2), make_member(3)
    with time_machine.travel(NOON - timedelta(hours=1), tick=False):
        services.login_link_send(identifier=str(expired_by.phone))
    services.login_link_send(identifier=str(used_by.phone))
    services.login_link_send(identifier=str(waiting_by.phone))
    deliver_pending()
    token = texted_sign_in_path(str(used_by.phone)).rstrip("/").rsplit("/", 1)[1]
    services.login_link_redeem(token=token)
    return used_by, expired_by, waiting_by


def test_staff_see_each_links_state_and_never_its_digest(admin_client):
    with time_machine.travel(NOON, tick=False):
        used_by, expired_by, waiting_by = one_link_in_each_state()
        page = admin_client.get(reverse("admin:unioncore_loginlink_changelist")).content.decode()
        rows = {link.user.username: link for link in LoginLink.objects.select_related("user")}
        for state, user in (("used", used_by), ("expired", expired_by), ("waiting", waiting_by)):
            assert f'<td class="field-state">{state}</td>' in page, state
            assert user.username in page
            detail = admin_client.get(reverse("admin:unioncore_loginlink_change", args=[rows[user.username].pk]))
            assert detail.status_code == 200
            assert rows[user.username].token_hash not in detail.content.decode()
        history = admin_client.get(reverse("admin:unioncore_loginlink_history", args=[rows[used_by.username].pk]))
        assert history.status_code == 200
    assert "Used at" in page
    assert "State" in page
    for link in rows.values():
        assert link.token_hash not in page
        assert link.token_hash not in history.content.decode()


@pytest.mark.parametrize(("state", "owner"), [("used", 0), ("expired", 1), ("waiting", 2)])
def test_staff_filter_links_by_state(admin_client, state, owner):
    with time_machine.travel(NOON, tick=False):
        owners = one_link_in_each_state()
        page = admin_client.get(reverse("admin:unioncore_loginlink_changelist"), {"state": state})
    assert [link.user for link in page.context["cl"].result_list] == [owners[owner]]


def test_staff_find_a_members_links_by_phone_as_written_or_username(admin_client):
    member, other = make_member(4), make_member(5)
    services.login_link_send(identifier=str(member.phone))
    services.login_link_send(identifier=str(other.phone))
    url = reverse("admin:unioncore_loginlink_changelist")
    for term in ("206-555-0104", "(206) 555 0104", member.username):
        found = admin_client.get(url, {"q": term}).context["cl"].result_list
        assert [link.user for link in found] == [member], term


def test_no_one_adds_changes_or_deletes_a_link_in_the_console(client):
    client.force_login(UserFactory(kind=UserKind.STAFF, is_staff=True, is_superuser=True))
    link = services.login_link_send(identifier=str(make_member(6).phone))
    change = reverse("admin:unioncore_loginlink_change", args=[link.pk])
    assert client.get(reverse("admin:unioncore_loginlink_add")).status_code == 403
    assert client.post(change, {"used_at_0": "2026-01-01", "used_at_1": "00:00"}).status_code == 403
    assert client.get(reverse("admin:unioncore_loginlink_delete", args=[link.pk])).status_code == 403
    assert client.post(reverse("admin:unioncore_loginlink_delete", args=[link.pk]), {"post": "yes"}).status_code == 403
    changelist = client.get(reverse("admin:unioncore_loginlink_changelist")).content.decode()
    assert "delete_selected" not in changelist
    assert reverse("admin:unioncore_loginlink_add") not in changelist
    link.refresh_from_db()
    assert link.used_at is None


def test_the_changelist_runs_as_many_queries_for_many_links_as_for_a_few(admin_client):
    url = reverse("admin:unioncore_loginlink_changelist")
    for n in range(2):
        services.login_link_send(identifier=str(make_member(10 + n).phone))
    few = count_queries(admin_client, url)
    for n in range(20):
        services.login_link_send(identifier=str(make_member(20 + n).phone))
    many = count_queries(admin_client, url)
    assert many == few, f"{few} queries for 2 links, {many} for 22"


# --- Pruning ---


def test_the_prune_deletes_only_links_expired_past_the_retention_and_keeps_their_history(settings, system_user):
    settings.LOGIN_LINK_KEEP_DAYS = 90
    old_member, recent_member = make_member(7), make_member(8)
    with time_machine.travel(NOON - timedelta(days=91), tick=False):
        old = services.login_link_send(identifier=str(old_member.phone))
    with time_machine.travel(NOON - timedelta(days=89), tick=False):
        recent = services.login_link_send(identifier=str(recent_member.phone))
    with time_machine.travel(NOON, tick=False):
        assert services.login_links_prune(by=system_user) == 1
        assert services.login_links_prune(by=system_user) == 0, "a second run finds nothing more"
    assert list(LoginLink.objects.values_list("pk", flat=True)) == [recent.pk]
    kept = LoginLink.history.filter(id=old.pk).order_by("history_id")
    assert [row.history_type for row in kept] == ["+", "-"]
    assert kept.last().history_user == system_user
    assert kept.last().history_date == NOON


def test_the_prune_keeps_a_link_until_its_retention_is_over(system_user):
    link = services.login_link_send(identifier=str(make_member(9).phone))
    with time_machine.travel(link.expires_at + timedelta(days=90), tick=False):
        assert services.login_links_prune(keep_days=90, by=system_user) == 0
    with time_machine.travel(link.expires_at + timedelta(days=90, seconds=1), tick=False):
        assert services.login_links_prune(keep_days=90, by=system_user) == 1
    assert not LoginLink.objects.exists()


def test_the_prune_works_through_more_links_than_one_batch(monkeypatch, system_user):
    monkeypatch.setattr(services, "LOGIN_LINK_PRUNE_BATCH", 2)
    with time_machine.travel(NOON - timedelta(days=100), tick=False):
        links = [services.login_link_send(identifier=str(make_member(n).phone)) for n in range(50, 55)]
    with time_machine.travel(NOON, tick=False):
        assert services.login_links_prune(keep_days=90, by=system_user) == 5
    assert LoginLink.history.filter(id__in=[link.pk for link in links], history_type="-").count() == 5


def test_the_daily_task_prunes_as_the_system_account(system_user):
    with time_machine.travel(NOON - timedelta(days=365), tick=False):
        link = services.login_link_send(identifier=str(make_member(11).phone))
    with time_machine.travel(NOON, tick=False):
        assert tasks.prune_login_links.apply().get() == 1
    assert LoginLink.history.get(id=link.pk, history_type="-").history_user == system_user


def test_the_beat_schedule_prunes_links_daily_with_a_registered_task():
    entry = app.conf.beat_schedule["unioncore-prune-login-links"]
    assert entry["task"] == "unioncore.tasks.prune_login_links"
    assert entry["task"] in app.tasks
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert (len(schedule.minute), len(schedule.hour), len(schedule.day_of_week)) == (1, 1, 7), "once a day"
    assert entry["options"]["expires"] < 24 * 3600  # a late run is dropped, not stacked


# --- The per-address limit ---


def test_one_address_gets_ten_links_for_eleven_members_and_the_eleventh_is_answered_the_same(settings):
    settings.LOGIN_LINKS_PER_ADDRESS = 10
    members = [make_member(n) for n in range(60, 71)]
    answers = [ask_for_link(str(member.phone)) for member in members]
    assert {(a.status_code, a["Location"]) for a in answers} == {(302, reverse("portal:login-link-sent"))}
    assert LoginLink.objects.count() == 10
    assert not LoginLink.objects.filter(user=members[-1]).exists()
    sms_rows = Notification.objects.filter(channel=Channel.SMS)
    assert sms_rows.count() == 10
    assert not sms_rows.filter(recipient=members[-1]).exists(), "no text for the eleventh"
    deliver_pending()
    assert len(sms.outbox) == 10
    assert texted_sign_in_path(str(members[-1].phone)) == ""


def test_another_address_is_not_held_back_by_the_first(settings):
    settings.LOGIN_LINKS_PER_ADDRESS = 10
    for n in range(72, 82):
        ask_for_link(str(make_member(n).phone))
    late = make_member(82)
    ask_for_link(str(late.phone), address=OTHER_ADDRESS)
    assert LoginLink.objects.filter(user=late).exists()


def test_the_address_may_ask_again_once_the_window_is_over(settings):
    settings.LOGIN_LINKS_PER_ADDRESS = 2
    with time_machine.travel(NOON, tick=False) as clock:
        first, second, third = make_member(83), make_member(84), make_member(85)
        for member in (first, second, third):
            ask_for_link(str(member.phone))
        assert not LoginLink.objects.filter(user=third).exists()
        clock.shift(timedelta(minutes=settings.LOGIN_LINK_MINUTES))
        ask_for_link(str(third.phone))
    assert LoginLink.objects.filter(user=third).exists()


def test_only_links_sent_count_towards_an_address(settings):
    settings.LOGIN_LINKS_PER_ADDRESS = 2
    for unknown in ("206-555-0198", "206-555-0199", "nobody"):
        ask_for_link(unknown)
    member = make_member(86)
    ask_for_link(str(member.phone))
    assert LoginLink.objects.filter(user=member).exists()


def test_an_ipv6_network_counts_as_one_address():
    now = NOON
    one = services.login_link_address_key("2001:db8:1:2::1", now)
    assert one == services.login_link_address_key("2001:db8:1:2:ffff:aaaa:bbbb:cccc", now)
    assert one != services.login_link_address_key("2001:db8:1:3::1", now)
    assert services.login_link_address_key("::ffff:203.0.113.7", now) == services.login_link_address_key(ADDRESS, now)
