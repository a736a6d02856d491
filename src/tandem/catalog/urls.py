from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.product_list, name="product_list"),
    path("products/export/", views.product_export, name="product_export"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/delete/", views.product_delete, name="product_delete"),
    path("categories/", views.category_list, name="category_list"),
    path("categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("uoms/", views.uom_list, name="uom_list"),
    path("uoms/<int:pk>/edit/", views.uom_edit, name="uom_edit"),
    path("uoms/<int:pk>/delete/", views.uom_delete, name="uom_delete"),
    path("price-lists/", views.pricelist_list, name="pricelist_list"),
    path("price-lists/new/", views.pricelist_create, name="pricelist_create"),
    path("price-lists/<int:pk>/", views.pricelist_detail, name="pricelist_detail"),
    path("price-lists/<int:pk>/edit/", views.pricelist_edit, name="pricelist_edit"),
    path("price-lists/<int:pk>/delete/", views.pricelist_delete, name="pricelist_delete"),
    path("price-lists/<int:pk>/items/", views.pricelist_item_add, name="pricelist_item_add"),
    path(
        "price-lists/<int:pk>/items/<int:item_pk>/delete/",
        views.pricelist_item_remove,
        name="pricelist_item_remove",
    ),
]
