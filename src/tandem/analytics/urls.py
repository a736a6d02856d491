from django.urls import path

from . import views

app_name = "analytics"
urlpatterns = [
    path("", views.home, name="home"),
    path("train/", views.train, name="train"),
    path("forecast/", views.forecast, name="forecast"),
    path("customers/", views.customers, name="customers"),
]
