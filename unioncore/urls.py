from django.contrib import admin
from django.urls import path
from django.views.generic import RedirectView

admin.site.site_header = "UnionCore — IBEW Local 46"
admin.site.site_title = "UnionCore"
admin.site.index_title = "Hall console"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("admin/", admin.site.urls),
]
