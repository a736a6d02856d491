from django.urls import path

from . import suggestions, views

app_name = "sales"
urlpatterns = [
    path("", views.home, name="home"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/preview/", views.order_preview, name="order_preview"),
    path("orders/suggestions/", suggestions.order_suggestions, name="order_suggestions"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/edit/", views.order_edit, name="order_edit"),
    path("orders/<int:pk>/send/", views.order_send, name="order_send"),
    path("orders/<int:pk>/confirm/", views.order_confirm, name="order_confirm"),
    path("orders/<int:pk>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<int:pk>/invoice/", views.order_invoice, name="order_invoice"),
    path("orders/<int:pk>/delete/", views.order_delete, name="order_delete"),
    path("orders/<int:pk>/pdf/", views.order_pdf, name="order_pdf"),
    path(
        "orders/<int:pk>/delivery-failed/",
        views.order_delivery_failed,
        name="order_delivery_failed",
    ),
    path("orders/<int:pk>/return/", views.return_create, name="return_create"),
    path(
        "orders/<int:pk>/<str:step>/",
        views.order_step,
        name="order_step",
    ),
    path("returns/", views.return_list, name="return_list"),
    path("returns/<int:pk>/", views.return_detail, name="return_detail"),
    path("returns/<int:pk>/receive/", views.return_receive, name="return_receive"),
    path("returns/<int:pk>/refund/", views.return_refund, name="return_refund"),
    path("returns/<int:pk>/cancel/", views.return_cancel, name="return_cancel"),
    path("exceptions/", views.exception_list, name="exception_list"),
    path("exceptions/<int:pk>/resolve/", views.exception_resolve, name="exception_resolve"),
    path("settings/", views.sla_settings, name="sla_settings"),
]
