from django.urls import path

from . import views

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
]
