"""What dispatch adds to pages owned by the apps below it (unioncore.composition)."""

from unioncore.composition import add_part


def _member_jobs(*, member, **_):
    from dispatch.portal import selectors as portal

    return portal.member_home_jobs(member_id=member.pk)  # my bids, jobs to bid on now, how many more


def _member_offers(*, member, **_):
    from dispatch.enums import DispatchStatus
    from dispatch.portal import selectors as portal

    return list(portal.member_dispatches(member_id=member.pk).filter(status=DispatchStatus.PENDING))


def _member_dispatches(*, member, **_):
    from dispatch.enums import DispatchStatus
    from dispatch.portal import selectors as portal

    return portal.member_dispatches(member_id=member.pk).exclude(status=DispatchStatus.PENDING)[:5]


def _member_results(*, member, **_):
    from dispatch.portal import selectors as portal

    return portal.member_referral_results(member_id=member.pk, limit=5)


def _record_dispatches(*, member, **_):
    from dispatch import selectors

    return selectors.member_dispatch_history(member_id=member.pk)


def _record_bids(*, member, **_):
    from dispatch import selectors

    return selectors.member_bid_history(member_id=member.pk)


def register_parts() -> None:
    add_part("member_home", "offers", _member_offers)
    add_part("member_home", "jobs", _member_jobs)
    add_part("member_home", "dispatches", _member_dispatches)
    add_part("member_home", "results", _member_results)
    add_part("member_record", "dispatches", _record_dispatches)
    add_part("member_record", "bids", _record_bids)
