"""The two doors of the outbox: the SMS provider's inbound webhook (STOP / START texted to the
hall's number) and the portal's "text messages" setting."""

import hmac

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from unioncore.notifications import services, sms
from unioncore.notifications.enums import OptOutVia
from unioncore.notifications.models import SmsOptOut
from unioncore.portal.access import portal_login_required

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@csrf_exempt  # the provider posts it; the shared secret is the check
@require_POST
def sms_inbound(request):
    """Twilio's "a message comes in" webhook (form fields `From`, `Body`), at
    `/sms/inbound/?key=<SMS_WEBHOOK_SECRET>`, signed by Twilio (`X-Twilio-Signature`) when
    TWILIO_AUTH_TOKEN is set. The answer is empty TwiML: the provider itself confirms STOP and
    START to the sender."""
    secret = settings.SMS_WEBHOOK_SECRET
    if not secret:
        raise Http404("The SMS webhook is off.")
    if not hmac.compare_digest(request.GET.get("key", "").encode(), secret.encode()):
        return HttpResponseForbidden("Wrong key.")
    # With the account's auth token configured, the request must also be Twilio's own (signed).
    if settings.TWILIO_AUTH_TOKEN and not sms.twilio_request_is_signed(request, settings.TWILIO_AUTH_TOKEN):
        return HttpResponseForbidden("Bad signature.")
    services.sms_inbound(from_number=request.POST.get("From", "").strip(), body=request.POST.get("Body", ""))
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@portal_login_required
@never_cache
@require_http_methods(["GET", "POST"])
def text_messages(request):
    """The person's own switch: texts on or off (critical ones still come)."""
    user = request.user
    if request.method == "POST":
        wanted = request.POST.get("texts")
        if wanted not in ("on", "off"):
            messages.error(request, "Choose whether you want text messages.")
        elif wanted == "off":
            services.sms_opt_out(user=user, by=user, via=OptOutVia.PORTAL)
            messages.success(request, "No more text messages, except sign-in links and recalls.")
        else:
            services.sms_opt_in(user=user, by=user, via=OptOutVia.PORTAL)
            messages.success(request, "Text messages are on.")
        return redirect("portal:text-messages")
    choice = SmsOptOut.objects.filter(user=user).first()
    context = {
        "texts_on": choice is None or not choice.opted_out, "choice": choice, "has_phone": bool(user.phone),
        "quiet_from": settings.SMS_QUIET_FROM, "quiet_until": settings.SMS_QUIET_UNTIL,
    }  # fmt: skip
    return render(request, "portal/text_messages.html", context)
