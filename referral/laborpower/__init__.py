"""The referral app's LaborPower import: the book registrations (REGLIST). Registered with the
import framework (unioncore.imports) by ReferralConfig.ready(), with the APN parser its rows use."""


def register_kinds() -> None:
    from referral.services import parse_apn
    from unioncore.imports import register
    from unioncore.imports.base import use_parser

    from .registrations import Registrations

    use_parser("apn", parse_apn)
    register(Registrations(), label="Book registrations (REGLIST)", order=30)
