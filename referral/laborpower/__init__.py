"""The referral app's LaborPower imports: the book registrations (REGLIST, by card number), the
Registration List as LaborPower prints it (by name and local), and its "records" export (APNs).
Registered with the import framework (unioncore.imports) by ReferralConfig.ready(), with the APN
parser their rows use."""


def register_kinds() -> None:
    from referral.services import parse_apn
    from unioncore.imports import register
    from unioncore.imports.base import use_parser

    from .registration_apns import RegistrationApns
    from .registration_list import RegistrationList
    from .registrations import Registrations

    use_parser("apn", parse_apn)
    register(Registrations(), label="Book registrations (REGLIST)", order=30)
    register(RegistrationList(), label="Registration List (LaborPower's printed list of a book)", order=31)
    register(RegistrationApns(), label="Registration List records (APNs, to check the books)", order=32)
