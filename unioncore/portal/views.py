"""Portal sign-in: by phone or username and password, by a one-time link; sign-out; the home
page that sends each kind of user to their own pages."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from unioncore import services
from unioncore.auth import client_address
from unioncore.errors import RuleViolation
from unioncore.portal.access import portal_login_required, user_kind
from unioncore.portal.forms import LoginForm, LoginLinkForm

BACKEND = "unioncore.auth.LockingModelBackend"


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("portal:home")


def home_url(user) -> str:
    """Where a user's portal starts."""
    kind = user_kind(user)
    if kind == "member":
        return reverse("portal:member-home")
    if kind == "employer":
        return reverse("portal:supervisor-list")
    if kind == "staff":
        return reverse("admin:index")
    return reverse("portal:nothing-here")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request):
    if request.user.is_authenticated and request.method == "GET":
        return redirect(_next_url(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_authenticate(
                request=request,
                identifier=form.cleaned_data["identifier"],
                password=form.cleaned_data["password"],
            )
        except RuleViolation as refused:
            form.show_violation(refused)
        else:
            login(request, user, backend=BACKEND)
            return redirect(_next_url(request))
    return render(request, "portal/login.html", {"form": form, "next": _next_url(request)})


@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, "You are signed out.")
    return redirect("portal:login")


@never_cache
@portal_login_required
def home(request):
    return redirect(home_url(request.user))


@never_cache
@portal_login_required
def nothing_here(request):
    return render(request, "portal/nothing_here.html", status=403)


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_link_request(request):
    """Ask for a sign-in link. The answer is the same, in the same time, whether the number is on
    file or not and past the per-account or per-address limit of links sent: the worker looks
    the account up and sends. Only too many requests from one address are told (429)."""
    form = LoginLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.login_link_request(identifier=form.cleaned_data["identifier"], ip=client_address(request)):
            return redirect("portal:login-link-sent")
        form.add_error(None, services.too_many_attempts_message())
        context = {"form": form, "minutes": settings.LOGIN_LINK_MINUTES}
        return render(request, "portal/login_link.html", context, status=429)
    return render(request, "portal/login_link.html", {"form": form, "minutes": settings.LOGIN_LINK_MINUTES})


@never_cache
def login_link_sent(request):
    return render(request, "portal/login_link_sent.html")


@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_link_redeem(request, token: str):
    """Opening the link shows one button; pressing it signs in. (A GET alone spends nothing, so
    a messaging app that previews the link cannot use it up.)"""
    if request.method == "POST":
        try:
            user = services.login_link_redeem(token=token)
        except RuleViolation as refused:
            return render(request, "portal/login_link_redeem.html", {"error": refused.message}, status=400)
        login(request, user, backend=BACKEND)
        return redirect(home_url(user))
    return render(request, "portal/login_link_redeem.html", {"token": token})
