"""What dispatch adds to pages owned by the apps below it (unioncore.composition)."""

from unioncore.composition import add_part


def _member_jobs(*, member, **_):
    from dispatch import selectors
    from dispatch.portal import selectors as portal

    jobs = list(selectors.member_jobs(member_id=member.pk))
    for job in jobs:
        job.bidding_open_now = portal.bidding_open(job)
    return jobs


def _member_dispatches(*, member, **_):
    from dispatch.portal import selectors as portal

    return portal.member_dispatches(member_id=member.pk)[:5]


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
    add_part("member_home", "jobs", _member_jobs)
    add_part("member_home", "dispatches", _member_dispatches)
    add_part("member_home", "results", _member_results)
    add_part("member_record", "dispatches", _record_dispatches)
    add_part("member_record", "bids", _record_bids)
