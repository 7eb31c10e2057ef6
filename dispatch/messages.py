"""Dispatch's message catalogue: what the hall texts a member about their referral (decision
0045). Registered with the kernel's catalogue when the app is ready; the texts are filled in
by the dispatch services that send them."""

from unioncore.notifications.catalogue import MessageKind, register

MESSAGES = [
    MessageKind(
        "rolled_off_no_check_in",
        "Rolled off the books: no check-in by 3 PM",
        "IBEW Local 46: you did not check in with {employer} by 3 PM on {day}, the day of your dispatch, so "
        "you have been rolled off every book you were on (reason: {reason}). To be referred again, register "
        "at the hall.",
    ),
]


def register_messages() -> None:
    register("dispatch", MESSAGES)
