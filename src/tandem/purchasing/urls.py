from django.urls import path

from . import views

app_name = "purchasing"
urlpatterns = [
    path("", views.home, name="home"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/totals/", views.order_totals, name="order_totals"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/edit/", views.order_edit, name="order_edit"),
    path("orders/<int:pk>/<slug:action>/", views.order_action, name="order_action"),
    path("supplier-prices/", views.supplier_price_list, name="supplier_price_list"),
    path("supplier-prices/new/", views.supplier_price_create, name="supplier_price_create"),
    path("supplier-prices/<int:pk>/", views.supplier_price_edit, name="supplier_price_edit"),
    path(
        "supplier-prices/<int:pk>/delete/",
        views.supplier_price_delete,
        name="supplier_price_delete",
    ),
    path("reorder-rules/", views.reorder_rule_list, name="reorder_rule_list"),
    path("reorder-rules/new/", views.reorder_rule_create, name="reorder_rule_create"),
    path("reorder-rules/<int:pk>/", views.reorder_rule_edit, name="reorder_rule_edit"),
    path("reorder-rules/<int:pk>/delete/", views.reorder_rule_delete, name="reorder_rule_delete"),
    path(
        "reorder-rules/<int:pk>/apply-forecast/",
        views.reorder_rule_apply_forecast,
        name="reorder_rule_apply_forecast",
    ),
    path("replenishment/", views.replenishment, name="replenishment"),
    path("replenishment/run/", views.replenishment_run, name="replenishment_run"),
]
