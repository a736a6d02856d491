from django.urls import path

from . import views

app_name = "manufacturing"
urlpatterns = [
    path("", views.home, name="home"),
]
