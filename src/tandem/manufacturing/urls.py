from django.urls import path

from . import floor_views, quality_views, views

app_name = "manufacturing"
urlpatterns = [
    path("", views.home, name="home"),
    path("work-centers/", views.work_center_list, name="work_center_list"),
    path("work-centers/new/", views.work_center_create, name="work_center_create"),
    path("work-centers/<int:pk>/edit/", views.work_center_edit, name="work_center_edit"),
    path("boms/", views.bom_list, name="bom_list"),
    path("boms/new/", views.bom_create, name="bom_create"),
    path("boms/<int:pk>/", views.bom_detail, name="bom_detail"),
    path("boms/<int:pk>/edit/", views.bom_edit, name="bom_edit"),
    path("orders/", views.order_list, name="order_list"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<int:pk>/", views.order_detail, name="order_detail"),
    path("orders/<int:pk>/<slug:action>/", views.order_action, name="order_action"),
    path("mrp/", views.mrp, name="mrp"),
    path("mrp/run/", views.mrp_run, name="mrp_run"),
    path("mrp/<int:pk>/firm/", views.mrp_firm, name="mrp_firm"),
    path("mrp/forecasts/", views.forecast_list, name="forecast_list"),
    path("mrp/forecasts/<int:pk>/delete/", views.forecast_delete, name="forecast_delete"),
    path("quality/", quality_views.quality, name="quality"),
    path("quality/points/new/", quality_views.quality_point_create, name="quality_point_create"),
    path(
        "quality/checks/<int:pk>/record/",
        quality_views.quality_check_record,
        name="quality_check_record",
    ),
    path(
        "quality/checks/<int:pk>/release/",
        quality_views.quality_check_release,
        name="quality_check_release",
    ),
    path("quality/alerts/new/", quality_views.quality_alert_create, name="quality_alert_create"),
    path(
        "quality/alerts/<int:pk>/close/",
        quality_views.quality_alert_close,
        name="quality_alert_close",
    ),
    path("lots/<int:pk>/", quality_views.lot_detail, name="lot_detail"),
    path("capacity/", floor_views.capacity, name="capacity"),
    path("shop-floor/", floor_views.shop_floor, name="shop_floor"),
    path(
        "shop-floor/<int:mo_pk>/<int:op_pk>/<slug:action>/",
        floor_views.shop_floor_action,
        name="shop_floor_action",
    ),
]
