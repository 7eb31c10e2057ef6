"""Demo staff for `manage.py seed_demo`. The passwords are printed: never seed production."""

from unioncore import services
from unioncore.models import User, UserKind

STAFF = (
    # username, password, group, first, last
    ("admin", "admin-demo-46", "admin", "Alex", "Admin"),
    ("dispatcher", "dispatch-demo-46", "dispatcher", "Dana", "Dispatcher"),
    ("officer", "officer-demo-46", "officer", "Olu", "Officer"),
)


def seed(*, by: User) -> list[tuple[str, str, str]]:
    logins = []
    for username, password, group, first, last in STAFF:
        if not User.objects.filter(username=username).exists():
            services.user_create(
                by=by, username=username, password=password, kind=UserKind.STAFF, groups=(group,),
                first_name=first, last_name=last,
            )  # fmt: skip
        logins.append((f"staff ({group})", username, password))
    return logins
