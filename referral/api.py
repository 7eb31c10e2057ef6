"""Phone API (SPEC §9): a member's own registrations, and re-signing one."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from referral import selectors, services
from referral.models import BookRegistration
from unioncore.api.base import ApiView, Error, page_of, paginated, visible_or_404


class RegistrationOutput(serializers.Serializer):
    class Book(serializers.Serializer):
        """The book (out-of-work list) registered on."""

        id = serializers.IntegerField(help_text="The book's id (the `book` filter of `jobs/`)")
        code = serializers.CharField(help_text="The book's code, e.g. WIRE_SEA_1")
        name = serializers.CharField(help_text="The book's name as the hall writes it")
        book_number = serializers.IntegerField(help_text="Its tier: Book 1 is referred before Book 2")

    id = serializers.IntegerField(help_text="The registration's id (to re-sign or re-register it)")
    book = Book(help_text="The book registered on")
    # A string with exactly two decimals, never a float: "45900.03".
    apn = serializers.DecimalField(
        max_digits=10, decimal_places=2, coerce_to_string=True,
        help_text="The registration's APN, a string with two decimals (\"45900.03\"): lower is earlier",
    )  # fmt: skip
    status = serializers.CharField(help_text="registered, dispatched, short_call, resigned, rolled_off, removed, …")
    position = serializers.IntegerField(
        allow_null=True, help_text="My place on this book, 1 = next up (LaborPower's REL); null when not available"
    )
    re_sign_due = serializers.DateField(allow_null=True, help_text="Re-sign by this day (the hall's date) to stay")
    re_register_by = serializers.DateField(
        allow_null=True, help_text="A job of mine ended: re-register by the end of this day to keep my APN"
    )
    re_register_cause = serializers.CharField(
        help_text="Why the APN is held: short_call, under_scale, ninety_day_rule, turnaround ('' when none)"
    )
    check_marks = serializers.IntegerField(help_text="Check marks on this registration")
    check_marks_allowed = serializers.IntegerField(
        source="book.check_marks_allowed", help_text="The book's limit: one more rolls the registration off"
    )
    last_check_mark_reason = serializers.CharField(
        allow_null=True, help_text="Why my latest check mark on this book was given (the request and the reason)"
    )
    exempt = serializers.BooleanField(help_text="Exempt from check marks (medical, union business, …)")
    registered_at = serializers.DateTimeField(
        help_text="When I signed the book, in the hall's time zone with its offset"
    )


def _member_id(user) -> int | None:
    member = getattr(user, "member", None)
    return member.pk if member is not None else None


class MyRegistrationsApi(ApiView):
    """My registrations on the books, with my place in line."""

    @extend_schema(responses={200: page_of(RegistrationOutput), 401: Error})
    def get(self, request):
        registrations = selectors.member_registrations(member_id=_member_id(request.user))
        return paginated(request, self, registrations, RegistrationOutput)


class _RegistrationActionApi(ApiView):
    """One service action on one of my registrations; answers with the registration after it."""

    service = None  # a referral service taking registration_id and by ("action" is DRF's own name)

    @extend_schema(request=None, responses={200: RegistrationOutput, 400: Error, 404: Error})
    def post(self, request, pk: int):
        mine = BookRegistration.objects.filter(member_id=_member_id(request.user))
        visible_or_404(mine, pk)
        type(self).service(registration_id=pk, by=request.user)
        registration = selectors.member_registrations(member_id=_member_id(request.user)).get(pk=pk)
        return Response(RegistrationOutput(registration).data)


class RegistrationReRegisterApi(_RegistrationActionApi):
    """Re-register after a job ended (a short call, an under-scale job, a turnaround, the 90 Day
    Rule): back on the book at the original APN (by the end of the next working day)."""

    service = services.registration_re_register


class RegistrationReSignApi(_RegistrationActionApi):
    """Re-sign a registration inside its window."""

    service = services.registration_re_sign
