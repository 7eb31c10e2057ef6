"""The hall's letters (LaborPower's Travel Letter AP-06 and Letter of Introduction AP-07): the
text staff keep in the console, filled in for one member, printed on the letterhead as a PDF."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from members.models import LetterTemplate, TravelLetter
from reports import services
from reports.models import ReportRun

pytestmark = pytest.mark.django_db

LETTERHEAD = "IBEW Local 46\n19802 62nd Avenue South, Kent, WA 98032"


@pytest.fixture
def letters(officer):
    services.letter_template_save(
        kind="travel_letter", by=officer, letterhead=LETTERHEAD, subject="Travel letter: $name",
        body="$date\n\nTo Local $to_local:\n\n$name (card $card_number), $classification, is on $books.",
        closing="Fraternally,\nBusiness Manager",
    )  # fmt: skip
    services.letter_template_save(
        kind="letter_of_introduction", by=officer, letterhead=LETTERHEAD, subject="Introducing $name",
        body="To $employer:\n\n$name starts at $worksite on $start_date.", closing="Dispatcher",
    )  # fmt: skip


def pdf_text(data: bytes) -> str:
    """The letter's words, one space between them (a line the PDF wrapped reads as one)."""
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def letter_url(kind):
    return reverse("admin:reports_letter", args=[kind])


def test_a_travel_letter_is_printed_on_the_letterhead_and_recorded(hall, letters, client, dispatcher):
    client.force_login(dispatcher)
    baker = hall.member("Baker")
    response = client.post(letter_url("travel_letter"), {"card_number": baker.card_number, "to_local": "0077"})
    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert text.startswith("IBEW Local 46 19802 62nd Avenue South, Kent, WA 98032 Travel letter: Pat Baker")
    assert "December 7, 2026" in text  # the hall's Monday (conftest clock)
    assert text.endswith("Fraternally, Business Manager")
    assert "To Local 0077:" in text
    assert f"Pat Baker (card {baker.card_number}), Inside Wireperson (Journeyman), is on WIRE SEATTLE Book 1." in text
    issued = TravelLetter.objects.get()
    assert (issued.member, issued.to_local, issued.issued_by) == (baker, "0077", dispatcher)
    run = ReportRun.objects.get()
    assert (run.report, run.format, run.filters) == (
        "travel-letter",
        "pdf",
        {"card_number": baker.card_number, "to_local": "0077"},
    )


def test_a_letter_of_introduction_names_the_employer_of_the_latest_dispatch(hall, letters, client, dispatcher):
    client.force_login(dispatcher)
    adams = hall.member("Adams")  # dispatched to Alpha Electric, Pier 91, starting Monday 7 December
    response = client.post(letter_url("letter_of_introduction"), {"card_number": adams.card_number})
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "To Alpha Electric:" in text
    assert "Pat Adams starts at Pier 91 on 12/07/2026." in text
    assert not TravelLetter.objects.exists()


@pytest.mark.parametrize(
    ("data", "says"),
    [({"card_number": "999999", "to_local": "0077"}, "No member has card number 999999."),
     ({"card_number": "", "to_local": "77"}, "A local is four digits")],
)  # fmt: skip
def test_a_bad_card_or_local_is_a_form_error_and_nothing_is_recorded(hall, letters, client, dispatcher, data, says):
    client.force_login(dispatcher)
    response = client.post(letter_url("travel_letter"), data)
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not TravelLetter.objects.exists()
    assert not ReportRun.objects.exists()


def test_a_placeholder_the_letter_does_not_know_is_refused(officer, letters):
    with pytest.raises(ValidationError, match=r"Unknown placeholder\(s\): \$salary"):
        services.letter_template_save(kind="travel_letter", by=officer, body="Pay: $salary")
    with pytest.raises(ValidationError, match="must start a placeholder"):
        services.letter_template_save(kind="travel_letter", by=officer, body="Costs $ 5")
    assert "$salary" not in LetterTemplate.objects.get(kind="travel_letter").body


def test_an_officer_edits_the_letter_in_the_console_and_its_history_names_them(client, officer, letters):
    template = LetterTemplate.objects.get(kind="letter_of_introduction")
    client.force_login(officer)
    url = reverse("admin:members_lettertemplate_change", args=[template.pk])
    data = {"letterhead": LETTERHEAD, "subject": "Introducing $name", "body": "Dear $employer,", "closing": "Us"}
    assert client.post(url, data).status_code == 302
    template.refresh_from_db()
    assert template.body == "Dear $employer,"
    assert template.history.first().history_user == officer
    response = client.post(url, {**data, "body": "Dear $boss,"})
    assert response.status_code == 200
    assert "Unknown placeholder(s): $boss" in response.content.decode()


def test_a_dispatcher_may_print_but_not_edit_the_letters(client, dispatcher, letters):
    client.force_login(dispatcher)
    template = LetterTemplate.objects.get(kind="travel_letter")
    url = reverse("admin:members_lettertemplate_change", args=[template.pk])
    response = client.post(url, {"letterhead": "x", "subject": "", "body": "x", "closing": "x"})
    assert response.status_code == 403
    assert client.get(letter_url("travel_letter")).status_code == 200


def test_the_index_lists_the_letters_on_the_applicant_tab(client, dispatcher):
    client.force_login(dispatcher)
    applicant = client.get(reverse("admin:reports_index")).context["groups"]["Applicant"]
    letters = {e.lp_id: (e.name, e.url) for e in applicant if e.lp_id in ("AP-06", "AP-07")}
    assert letters == {
        "AP-06": ("Travel Letter", letter_url("travel_letter")),
        "AP-07": ("Letter of Introduction", letter_url("letter_of_introduction")),
    }
