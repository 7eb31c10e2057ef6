import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch import selectors, services
from dispatch.enums import SkipReason
from dispatch.models import EmployerBar, ReferralSuspension
from dispatch.tests.factories import EmployerFactory
from dispatch.tests.test_admin import text
from members.models import Skill
from members.services import member_skill_grant
from members.tests.factories import MemberFactory
from referral import services as referral_services
from referral.models import ReferralBook
from unioncore.errors import RuleViolation
from unioncore.testing import at

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # make run's SQLite takes these paths too


def order(job_request):
    return [(c.member_id, c.skip_reason) for c in selectors.referral_order(job_request=job_request)]


def test_book_one_comes_before_book_two_whatever_the_apn(book, register, make_request, clock):
    book2 = ReferralBook.objects.get(code="WIRE_SEA_2")
    old_book2 = register(book2, apn="40000.01")
    new_book1 = register(book, apn="46000.01")
    assert order(make_request()) == [(new_book1.member_id, ""), (old_book2.member_id, "")]


def test_same_day_sign_ups_are_referred_in_sign_up_order(book, register, make_request, clock):
    second = register(book, apn="46000.02")
    first = register(book, apn="46000.01")
    assert [m for m, _ in order(make_request())] == [first.member_id, second.member_id]


def test_each_kind_of_ineligibility_is_skipped_with_its_reason(
    book, register, make_request, employer, dispatcher, clock
):
    welding = Skill.objects.create(code="cable-splicing", name="Cable splicing")
    regs = {
        "barred": register(book, apn="46000.01"),
        "suspended": register(book, apn="46000.02"),
        "not_active": register(book, apn="46000.03"),
        "no_skill": register(book, apn="46000.04"),
        "eligible": register(book, apn="46000.05"),
    }
    EmployerBar.objects.create(employer=employer, member=regs["barred"].member, reason="safety")
    ReferralSuspension.objects.create(member=regs["suspended"].member, kind="referral", reason="second discharge")
    not_active = regs["not_active"].member
    not_active.status = "suspended"
    not_active.save()
    for key in ("barred", "suspended", "not_active", "eligible"):
        member_skill_grant(member_id=regs[key].member_id, skill_id=welding.pk, by=dispatcher)
    request = make_request(special_skill_ids=[welding.pk])
    assert order(request) == [
        (regs["barred"].member_id, SkipReason.BARRED_BY_EMPLOYER),
        (regs["suspended"].member_id, SkipReason.REFERRAL_SUSPENDED),
        (regs["not_active"].member_id, SkipReason.MEMBER_NOT_ACTIVE),
        (regs["no_skill"].member_id, SkipReason.MISSING_SKILL),
        (regs["eligible"].member_id, ""),
    ]


def test_a_re_sign_past_due_is_skipped_before_the_nightly_job_rolls_it_off(
    book, register, make_request, dispatcher, clock
):
    today = timezone.localdate()
    overdue = register(book, apn="46000.01", when=at(today - datetime.timedelta(days=31), 9))
    due_today = register(book, apn="46000.02", when=at(today - datetime.timedelta(days=30), 9))
    assert overdue.re_sign_due == today - datetime.timedelta(days=1)
    (first, second) = selectors.referral_order(job_request=make_request())
    assert (first.member_id, first.skip_reason) == (overdue.member_id, SkipReason.RE_SIGN_OVERDUE)
    assert first.detail == f"due {overdue.re_sign_due:%m/%d/%Y}"
    assert (second.member_id, second.skip_reason) == (due_today.member_id, "")  # due today: still on time


def test_an_exempt_member_keeps_the_place_but_is_not_offered_the_job(book, register, make_request, dispatcher, clock):
    exempt = register(book, apn="46000.01")
    available = register(book, apn="46000.02")
    referral_services.registration_exempt_on(
        registration_id=exempt.pk, by=dispatcher, exempt_reason="traveling",
        exempt_until=timezone.localdate() + datetime.timedelta(days=30),
    )  # fmt: skip
    assert order(make_request()) == [(available.member_id, "")]
    with pytest.raises(RuleViolation):
        services.dispatch_offer(job_request_id=make_request().pk, registration_id=exempt.pk, by=dispatcher)


def test_a_member_on_a_job_from_another_book_is_skipped(book, register, make_request, dispatcher, clock):
    member = MemberFactory()
    tech = register(ReferralBook.objects.get(code="TRADE_SEA_1"), member=member)
    wire = register(book, member=member)
    other = make_request(book_classification="tradeshow")
    services.dispatch_accept(
        dispatch_id=services.dispatch_offer(job_request_id=other.pk, registration_id=tech.pk, by=dispatcher).pk,
        by=dispatcher,
    )
    assert order(make_request()) == [(wire.member_id, SkipReason.ALREADY_DISPATCHED)]


def test_tero_requests_use_the_tero_book_and_tribal_members(register, make_request, clock):
    tero = ReferralBook.objects.get(code="TERO_SEA_1")
    enrolled = register(tero, member=MemberFactory(tribal_affiliation="Tulalip Tribes"), apn="46000.02")
    not_enrolled = register(tero, apn="46000.01")
    request = make_request(category="tero")
    assert request.book_classification == "tero_apprentice_wire"
    assert order(request) == [(not_enrolled.member_id, SkipReason.NOT_TRIBAL_MEMBER), (enrolled.member_id, "")]


def test_pla_requests_filter_on_home_zip_codes(book, register, make_request, clock):
    far = register(book, member=MemberFactory(zip_code="98362"), apn="46000.01")
    near = register(book, member=MemberFactory(zip_code="98108"), apn="46000.02")
    request = make_request(category="pla", priority_zip_codes="98108, 98118")
    assert order(request) == [(far.member_id, SkipReason.OUTSIDE_PRIORITY_AREA), (near.member_id, "")]


def test_by_name_members_go_ahead_of_the_list(book, register, make_request, clock):
    first = register(book, apn="46000.01")
    foreman = register(book, apn="46100.01")
    request = make_request(by_name_member_ids=[foreman.member_id], by_name_attested=True)
    assert order(request) == [(foreman.member_id, ""), (first.member_id, "")]


def test_a_by_name_request_needs_the_attestation(book, register, make_request, clock):
    foreman = register(book)
    with pytest.raises(RuleViolation) as refused:
        make_request(by_name_member_ids=[foreman.member_id])
    assert refused.value.code == "attestation_required"


def test_by_name_is_refused_after_a_recent_quit_from_that_employer(book, register, make_request, dispatcher, clock):
    foreman = register(book, apn="46000.01")
    earlier = make_request()
    dispatch = services.dispatch_offer(job_request_id=earlier.pk, registration_id=foreman.pk, by=dispatcher)
    services.dispatch_accept(dispatch_id=dispatch.pk, by=dispatcher)
    clock.shift(datetime.timedelta(days=3))
    services.dispatch_end(
        dispatch_id=dispatch.pk, by=dispatcher, end_reason="quit", end_date=datetime.date(2026, 12, 9)
    )
    back = referral_services.registration_register(member_id=foreman.member_id, book_id=book.pk, by=dispatcher)
    request = make_request(
        by_name_member_ids=[foreman.member_id], by_name_attested=True, taken_at=timezone.now(),
        start_date=datetime.date(2026, 12, 14),
    )  # fmt: skip
    assert order(request)[0] == (back.member_id, SkipReason.RECENT_QUIT_OR_DISCHARGE)
    other_employer = make_request(
        employer_id=EmployerFactory().pk, by_name_member_ids=[foreman.member_id], by_name_attested=True,
        taken_at=timezone.now(), start_date=datetime.date(2026, 12, 14),
    )  # fmt: skip
    assert order(other_employer)[0] == (back.member_id, SkipReason.RECENT_QUIT_OR_DISCHARGE), "any employer (rule 10)"
    clock.shift(datetime.timedelta(days=15))
    assert order(request)[0] == (back.member_id, ""), "the bar lasts two weeks"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"workers_wanted": 0}, "no_workers"),
        ({"start_date": datetime.date(2026, 12, 1)}, "start_in_past"),
        ({"category": "pla"}, "priority_area_required"),
    ],
)
def test_a_bad_request_is_refused_naming_the_rule(make_request, clock, overrides, code):
    from dispatch.models import JobRequest

    with pytest.raises(RuleViolation) as refused:
        make_request(**overrides)
    assert refused.value.code == code
    assert not JobRequest.objects.exists()


def test_a_foreman_request_takes_only_members_qualified_as_foremen(book, register, make_request, dispatcher, clock):
    foreman, general = Skill.objects.get(code="foreman"), Skill.objects.get(code="general-foreman")
    journeyman = register(book, apn="46000.01")
    qualified = register(book, apn="46000.02")
    general_foreman = register(book, apn="46000.03")
    member_skill_grant(member_id=qualified.member_id, skill_id=foreman.pk, by=dispatcher)
    member_skill_grant(member_id=general_foreman.member_id, skill_id=general.pk, by=dispatcher)
    assert order(make_request(job_class="foreman")) == [
        (journeyman.member_id, SkipReason.NOT_QUALIFIED_FOR_CLASS),
        (qualified.member_id, ""),
        (general_foreman.member_id, ""),  # a general foreman also qualifies as a foreman
    ]
    assert order(make_request(job_class="general_foreman")) == [
        (journeyman.member_id, SkipReason.NOT_QUALIFIED_FOR_CLASS),
        (qualified.member_id, SkipReason.NOT_QUALIFIED_FOR_CLASS),
        (general_foreman.member_id, ""),
    ]
    assert [r for _, r in order(make_request())] == ["", "", ""]  # a journeyman request: everyone


def test_a_foreman_named_by_the_employer_is_not_asked_for_the_qualification(book, register, make_request, clock):
    named = register(book, apn="46000.01")
    request = make_request(job_class="foreman", by_name_member_ids=[named.member_id], by_name_attested=True)
    assert order(request)[0] == (named.member_id, "")


def test_the_desk_says_the_by_name_bar_in_force_not_a_number_written_in(
    client, book, register, make_request, dispatcher, officer, clock
):
    services.hall_settings_save(by=officer, by_name_bar_days=20)
    foreman = register(book, apn="46000.01")
    earlier = make_request()
    dispatch = services.dispatch_offer(job_request_id=earlier.pk, registration_id=foreman.pk, by=dispatcher)
    services.dispatch_accept(dispatch_id=dispatch.pk, by=dispatcher)
    clock.shift(datetime.timedelta(days=3))
    services.dispatch_end(
        dispatch_id=dispatch.pk, by=dispatcher, end_reason="quit", end_date=datetime.date(2026, 12, 9)
    )
    referral_services.registration_register(member_id=foreman.member_id, book_id=book.pk, by=dispatcher)
    make_request(
        by_name_member_ids=[foreman.member_id], by_name_attested=True, taken_at=timezone.now(),
        start_date=datetime.date(2026, 12, 14),
    )  # fmt: skip  # referred tomorrow: on the desk's sheet
    client.force_login(dispatcher)
    desk = html.unescape(text(client.get(reverse("admin:dispatch_desk"))))
    assert "passed over: By name: quit or discharged within the hall's by-name bar" in desk
    assert "(quit 12/9/2026; the hall's bar is 20 days, to 12/29)" in desk
    assert "14 days" not in desk
