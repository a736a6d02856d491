from django.urls import path

from . import views

app_name = "parties"
urlpatterns = [
    path("", views.party_list, name="list"),
    path("export/", views.party_export, name="export"),
    path("new/", views.party_create, name="create"),
    path("<int:pk>/", views.party_detail, name="detail"),
    path("<int:pk>/edit/", views.party_edit, name="edit"),
    path("<int:pk>/delete/", views.party_delete, name="delete"),
    path("<int:pk>/contacts/new/", views.contact_form, name="contact_create"),
    path("<int:pk>/contacts/<int:contact_id>/", views.contact_form, name="contact_edit"),
    path(
        "<int:pk>/contacts/<int:contact_id>/delete/",
        views.contact_delete,
        name="contact_delete",
    ),
    path("<int:pk>/addresses/new/", views.address_form, name="address_create"),
    path("<int:pk>/addresses/<int:address_id>/", views.address_form, name="address_edit"),
    path(
        "<int:pk>/addresses/<int:address_id>/delete/",
        views.address_delete,
        name="address_delete",
    ),
    path("tags/", views.tag_list, name="tags"),
    path("tags/<int:tag_id>/delete/", views.tag_delete, name="tag_delete"),
    path("payment-terms/", views.payment_term_list, name="payment_terms"),
    path(
        "payment-terms/<int:term_id>/delete/",
        views.payment_term_delete,
        name="payment_term_delete",
    ),
]
