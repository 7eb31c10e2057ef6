from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from unioncore.notifications import views as notification_views

admin.site.site_header = "UnionCore — IBEW Local 46"
admin.site.site_title = "UnionCore"
admin.site.index_title = "Hall console"

urlpatterns = [
    # One address for everyone: the portal home sends staff to the console, members and
    # supervisors to their pages, and anyone signed out to the sign-in page.
    path("", RedirectView.as_view(pattern_name="portal:home", permanent=False)),
    path("admin/", admin.site.urls),
    path("api/v1/", include("unioncore.api.urls")),
    path("portal/", include("unioncore.portal.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The SMS provider's inbound messages (STOP / START), behind a shared secret.
    path("sms/inbound/", notification_views.sms_inbound, name="sms-inbound"),
    # The split view serves its start-up script as a file, so the page needs no inline script (CSP).
    path("api/schema/ui/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="schema-ui"),
]
