"""What referral adds to pages owned by the apps below it (unioncore.composition)."""

from unioncore.composition import add_part


def register_parts() -> None:
    from referral import selectors
    from referral.portal import selectors as portal

    add_part("member_home", "books", lambda *, member, **_: portal.member_home_books(member_id=member.pk))
    add_part("member_home", "activity", lambda *, member, **_: portal.member_activity(member_id=member.pk)[:5])
    add_part(
        "member_record", "registrations", lambda *, member, **_: selectors.member_registrations(member_id=member.pk)
    )
