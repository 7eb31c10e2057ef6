"""No check mark for passing a request whose own terms excuse it (the 2024 procedure, rule 9):
an MOU job site, an under-scale work-recovery job, various locations, a specialty the agreement
does not recognise (decision 0034) — the dispatcher sets them when taking the call, and a decline
through the phone, the portal or the console then costs no mark, whoever declines."""

import pytest
from django.urls import reverse

from dispatch import selectors, services
from dispatch.models import JobRequest
from dispatch.tests.test_admin import DISPATCHES, act, add_form, shown
from members.models import Skill
from referral.models import BookRegistration

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite]  # make run's SQLite takes these paths too

TERMS = [
    ({"mou_jobsite": True}, "mou_site", "MOU job site"),
    ({"under_scale_recovery": True}, "under_scale", "Under-scale recovery job"),
    ({"various_locations": True}, "various_locations", "Various-location request"),
]


@pytest.fixture
def specialty():
    return Skill.objects.create(code="high-voltage-splicing", name="High-voltage splicing", in_agreement=False)


@pytest.fixture
def mine(book, register, member_user, specialty, clock):
    """The member on the book, holding the specialty (so a request asking for it reaches them)."""
    from members.models import MemberSkill

    MemberSkill.objects.create(member=member_user.member, skill=specialty)
    return register(book, member=member_user.member)


def marks(registration):
    registration = BookRegistration.objects.get(pk=registration.pk)
    passed = registration.activities.filter(action="no_check_mark").first()
    return registration.check_marks, passed.no_check_mark_reason if passed else None


def test_each_term_is_the_request_s_own_excuse(make_request, specialty, clock):
    for terms, excuse, _label in TERMS:
        assert selectors.no_check_mark_reason_of(make_request(**terms)) == excuse
    assert selectors.no_check_mark_reason_of(make_request(special_skill_ids=[specialty.pk])) == "specialty_skill"
    assert selectors.no_check_mark_reason_of(make_request()) == ""


def test_a_skill_the_agreement_recognises_is_no_excuse(make_request, specialty, clock):
    recognised = Skill.objects.create(code="cable-splicing", name="Cable splicing")
    assert recognised.in_agreement, "a new skill is one the agreement recognises unless an officer says not"
    assert selectors.no_check_mark_reason_of(make_request(special_skill_ids=[recognised.pk])) == ""


@pytest.mark.parametrize(("terms", "excuse", "label"), TERMS)
def test_declining_from_the_phone_gives_no_check_mark(mine, member_user, make_request, dispatcher, api_as, terms,
                                                      excuse, label, clock):  # fmt: skip
    offer = services.dispatch_offer(job_request_id=make_request(**terms).pk, registration_id=mine.pk, by=dispatcher)
    response = api_as(member_user).post(f"/api/v1/dispatches/{offer.pk}/decline/")
    assert response.status_code == 200, response.content
    assert marks(mine) == (0, excuse)


def test_declining_a_specialty_request_from_the_phone_gives_no_check_mark(
    mine, member_user, make_request, dispatcher, api_as, specialty, clock
):
    request = make_request(special_skill_ids=[specialty.pk])
    offer = services.dispatch_offer(job_request_id=request.pk, registration_id=mine.pk, by=dispatcher)
    assert api_as(member_user).post(f"/api/v1/dispatches/{offer.pk}/decline/").status_code == 200
    assert marks(mine) == (0, "specialty_skill")


@pytest.mark.parametrize(("terms", "excuse", "label"), TERMS)
def test_the_portal_says_so_and_declining_there_gives_no_check_mark(
    client, mine, member_user, make_request, dispatcher, terms, excuse, label, clock
):
    offer = services.dispatch_offer(job_request_id=make_request(**terms).pk, registration_id=mine.pk, by=dispatcher)
    client.force_login(member_user)
    question = client.get(reverse("portal:member-decline", args=[offer.pk])).content.decode()
    assert f"Declining costs no check mark: {label.lower()}." in question
    response = client.post(reverse("portal:member-decline", args=[offer.pk]), follow=True)
    assert "You declined the job." in response.content.decode()
    assert marks(mine) == (0, excuse)


def test_the_portal_warns_of_the_check_mark_on_an_ordinary_job(client, mine, member_user, make_request, dispatcher,
                                                               clock):  # fmt: skip
    offer = services.dispatch_offer(job_request_id=make_request().pk, registration_id=mine.pk, by=dispatcher)
    client.force_login(member_user)
    question = client.get(reverse("portal:member-decline", args=[offer.pk])).content.decode()
    assert "Declining costs a check mark on" in question
    client.post(reverse("portal:member-decline", args=[offer.pk]))
    assert marks(mine) == (1, None)


def test_a_dispatcher_enters_the_terms_in_the_console_and_a_decline_there_gives_no_mark(
    client, dispatcher, employer, mine, clock
):
    client.force_login(dispatcher)
    response = client.post(
        reverse("admin:dispatch_jobrequest_add"),
        add_form(employer, workers_wanted=1, mou_jobsite="on", various_locations="on"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    request = JobRequest.objects.get()
    assert (request.mou_jobsite, request.various_locations, request.under_scale_recovery) == (True, True, False)
    offer = services.dispatch_offer(job_request_id=request.pk, registration_id=mine.pk, by=dispatcher)
    # "— none: a check mark —" left as it is: the request's own terms still excuse the pass.
    declined = act(client, DISPATCHES, "decline", [offer], kind="declined", no_check_mark_reason="")
    assert "1 dispatch(es) declined." in shown(declined)
    assert marks(mine) == (0, "mou_site")


def test_an_officer_marks_a_skill_the_agreement_does_not_recognise(client, officer):
    client.force_login(officer)
    response = client.post(
        reverse("admin:members_skill_add"), {"code": "rope-access", "name": "Rope access", "in_agreement": ""}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    skill = Skill.objects.get(code="rope-access")
    assert skill.in_agreement is False
    assert skill.history.get().history_user == officer


def test_a_dispatcher_sees_the_skills_but_does_not_change_them(client, dispatcher, specialty):
    client.force_login(dispatcher)
    assert client.get(reverse("admin:members_skill_changelist")).status_code == 200
    response = client.post(
        reverse("admin:members_skill_change", args=[specialty.pk]),
        {"code": specialty.code, "name": specialty.name, "in_agreement": "on"},
    )
    assert response.status_code == 403
    assert Skill.objects.get(pk=specialty.pk).in_agreement is False
