"""LaborPower imports check phone numbers as PhoneNumberField does, by a shorter road for the
usual North American formats: the road gives the same number and the same verdict."""

import random

import phonenumbers
import pytest
from django.core.exceptions import ValidationError

from dispatch.models import Employer, EmployerContact
from members.models import Member
from unioncore import imports
from unioncore.imports.base import is_valid_phone, parse_phone

FORMATS = [
    "({a}) {b}-{c}",
    "({a}){b}-{c}",
    "{a}-{b}-{c}",
    "{a}.{b}.{c}",
    "{a} {b} {c}",
    "{a}{b}{c}",
    "({a}) {b}{c}",
    "{a}-{b}.{c}",
    "1 {a} {b} {c}",
    "+1 ({a}) {b}-{c}",
    "({a} {b}-{c}",
    "{a}) {b}-{c}",
    "{a}-{b}-{c} x12",
]


def test_parsing_a_phone_gives_what_phonenumbers_parse_gives():
    rnd = random.Random(7)
    for _ in range(20_000):
        digits = {
            "a": f"{rnd.randrange(1000):03d}",
            "b": f"{rnd.randrange(1000):03d}",
            "c": f"{rnd.randrange(10_000):04d}",
        }
        value = rnd.choice(FORMATS).format(**digits)
        try:
            expected = phonenumbers.parse(value, "US")
        except phonenumbers.NumberParseException:
            with pytest.raises(phonenumbers.NumberParseException):
                parse_phone(value)
            continue
        assert parse_phone(value) == expected, value


def test_a_phones_validity_is_what_phonenumbers_says():
    rnd = random.Random(8)
    numbers = [
        phonenumbers.PhoneNumber(country_code=1, national_number=rnd.randrange(10**9, 10**10)) for _ in range(20_000)
    ]
    numbers += [phonenumbers.parse(v, "US") for v in ("+44 20 7946 0958", "+1 416 555 0134", "+1 809 555 1234")]
    verdicts = [phonenumbers.is_valid_number(n) for n in numbers]
    assert [is_valid_phone(n) for n in numbers] == verdicts
    assert True in verdicts
    assert False in verdicts


MEMBERS = "card_number,last_name,first_name,classification,phone\n"


@pytest.mark.django_db
@pytest.mark.parametrize("phone", ["(200) 555-0134", "(206) 155-0134", "12345"])
def test_a_wrong_phone_is_a_row_error_with_the_fields_message(phone, system_user):
    data = f"{MEMBERS}0012345,Nguyen,Linh,inside_wireperson,{phone}\n".encode()
    report = imports.run("members", data, by=system_user)
    assert [(e.line, e.column, e.value) for e in report.errors] == [(2, "phone", phone)]
    try:
        Member(card_number="1", last_name="N", first_name="L", phone=phone).full_clean(exclude=["classification"])
    except ValidationError as e:
        model_says = e.message_dict["phone"]
    else:
        pytest.fail(f"the model takes {phone}")
    if phone != "12345":  # not even a possible number: the import says so in its own words
        assert [e.reason for e in report.errors] == model_says
    assert Member.objects.count() == 0


@pytest.mark.django_db
def test_phones_valid_elsewhere_in_north_america_and_abroad_import(system_user):
    data = (
        f"{MEMBERS}0012345,Nguyen,Linh,inside_wireperson,(416) 555-0134\n"
        "0012346,Haugen,Erik,inside_wireperson,+44 20 7946 0958\n"
        "0012347,Zhou,Wei,inside_wireperson,206.555.0136\n"
    ).encode()
    report = imports.run("members", data, by=system_user)
    assert report.ok, report.errors
    phones = dict(Member.objects.values_list("card_number", "phone"))
    assert {card: str(phone) for card, phone in phones.items()} == {
        "0012345": "+14165550134",
        "0012346": "+442079460958",
        "0012347": "+12065550136",
    }


@pytest.mark.django_db
def test_an_employer_contacts_wrong_phone_is_a_row_error(system_user):
    data = (
        b"employer_code,name,phone,contact_name,contact_phone\n"
        b"EMP1,Sound Electric,(206) 555-0200,Mary Okafor,(211) 555-0201\n"
        b"EMP2,Puget Electric,(999) 555-0210,Tom Lindqvist,(206) 555-0211\n"
    )
    report = imports.run("employers", data, by=system_user)
    assert {(e.line, e.column, e.reason) for e in report.errors} == {
        (2, "contact_phone", "The phone number entered is not valid."),
        (3, "phone", "The phone number entered is not valid."),
    }
    assert not Employer.objects.exists()
    assert not EmployerContact.objects.exists()


@pytest.mark.django_db
def test_a_new_contact_of_an_employer_already_imported_is_added_to_it(system_user, dispatcher):
    data = "employer_code,name,phone,contact_name,contact_title,contact_phone\nEMP1,Sound Electric,(206) 555-0200,{}\n"
    assert imports.run("employers", data.format("Mary Okafor,Owner,(206) 555-0201").encode(), by=system_user).ok
    report = imports.run("employers", data.format("Tom Lindqvist,Foreman,206.555.0211").encode(), by=dispatcher)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 0), report.errors
    employer = Employer.objects.get(code="EMP1")
    contacts = {c.name: (c.title, str(c.phone)) for c in employer.contacts.all()}
    assert contacts == {"Mary Okafor": ("Owner", "+12065550201"), "Tom Lindqvist": ("Foreman", "+12065550211")}
    added = employer.contacts.get(name="Tom Lindqvist").history.get()
    assert (added.history_type, added.history_user, added.history_change_reason) == (
        "+",
        dispatcher,
        "LaborPower import",
    )
    assert str(employer.phone) == "+12065550200"
    assert employer.history.count() == 1  # the employer itself did not change
