"""Who may open a portal page. Every portal view is wrapped in one of these:

- `portal_login_required`: any logged-in user; an anonymous visitor goes to the portal login
  (with `?next=` back to the page).
- `member_required`: a member with a member record; sets `request.member`.
- `employer_user_required`: an employer's user (supervisor, manager, admin); sets
  `request.employer_user` (its `employer` is the only employer whose data they see).
- `staff_required`: union staff (`is_staff`).

A logged-in user of the wrong kind gets a 403 page that says whose page it is and links home;
an object of another member or employer is the view's business, and is a 404 there."""

from functools import wraps
from urllib.parse import quote

from django.shortcuts import redirect, render
from django.urls import reverse

from unioncore.models import UserKind

__all__ = [
    "current_employer_user",
    "current_member",
    "employer_user_required",
    "member_required",
    "portal_login_required",
    "staff_required",
    "user_kind",
]


def current_member(user):
    """The member record of a member's account, else None."""
    if not getattr(user, "is_authenticated", False) or user.kind != UserKind.MEMBER:
        return None
    return getattr(user, "member", None)


def current_employer_user(user):
    """The EmployerUser of an employer's account, else None."""
    if not getattr(user, "is_authenticated", False) or user.kind != UserKind.EMPLOYER:
        return None
    return getattr(user, "employer_user", None)


def user_kind(user) -> str | None:
    """ "member", "employer", "staff" — or None for an account the portal has nothing for."""
    if not getattr(user, "is_authenticated", False):
        return None
    if user.is_staff:
        return "staff"
    if current_member(user) is not None:
        return "member"
    if current_employer_user(user) is not None:
        return "employer"
    return None


def _to_login(request):
    return redirect(f"{reverse('portal:login')}?next={quote(request.get_full_path())}")


def _forbidden(request, needed: str):
    return render(request, "portal/forbidden.html", {"needed": needed}, status=403)


def portal_login_required(view):
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _to_login(request)
        return view(request, *args, **kwargs)

    return wrapped


def _kind_required(check, attribute: str | None, needed: str):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return _to_login(request)
            found = check(request.user)
            if not found:
                return _forbidden(request, needed)
            if attribute:
                setattr(request, attribute, found)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


member_required = _kind_required(current_member, "member", "members")
employer_user_required = _kind_required(current_employer_user, "employer_user", "employers' supervisors")
staff_required = _kind_required(lambda user: user.is_staff, None, "union staff")
