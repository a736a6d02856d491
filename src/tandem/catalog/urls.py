from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.placeholder, name="product_list"),
]
