"""An employer's job orders under /portal/orders/ (issue 22, item 4)."""

from django.urls import path

from dispatch.portal import employer

urlpatterns = [
    path("", employer.orders, name="employer-orders"),
    path("new/", employer.order_new, name="employer-order-new"),
    path("<int:pk>/cancel/", employer.order_cancel, name="employer-order-cancel"),
]
