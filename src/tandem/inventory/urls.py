from django.urls import path

from . import views

app_name = "inventory"
urlpatterns = [
    path("", views.home, name="home"),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/new/", views.transfer_create, name="transfer_create"),
    path("transfers/<int:pk>/", views.transfer_detail, name="transfer_detail"),
    path("transfers/<int:pk>/scan/", views.transfer_scan, name="transfer_scan"),
    path("transfers/<int:pk>/<str:action>/", views.transfer_action, name="transfer_action"),
    path("stock/", views.stock_levels, name="stock_levels"),
    path("moves/", views.stock_moves, name="stock_moves"),
    path("valuation/", views.valuation, name="valuation"),
    path("valuation/<int:product_id>/", views.valuation_layers, name="valuation_layers"),
    path("warehouses/", views.warehouses, name="warehouses"),
    path("counts/", views.count_list, name="count_list"),
    path("counts/<int:pk>/", views.count_detail, name="count_detail"),
]
