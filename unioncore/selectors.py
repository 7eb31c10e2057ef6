import phonenumbers
from django.conf import settings

from unioncore.models import User


def login_user_lookup(identifier: str) -> User | None:
    """The account a login names: a username (any case), or a phone number in any usual
    writing ("206-555-0134", "+1 206 555 0134")."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    user = User.objects.filter(username__iexact=identifier).first()
    if user is not None:
        return user
    phone = normalize_phone(identifier)
    if phone is None:
        return None
    return User.objects.filter(phone=phone).first()


def normalize_phone(text: str) -> str | None:
    """E.164 for a valid phone number, else None."""
    try:
        number = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
