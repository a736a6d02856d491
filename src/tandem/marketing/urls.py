from django.urls import path

from . import public, views

app_name = "marketing"
urlpatterns = [
    path("", views.home, name="home"),
    # public, token-signed (no login)
    path("t/u/<str:token>/", public.unsubscribe, name="unsubscribe"),
    path("t/o/<str:token>.gif", public.open_pixel, name="open"),
    path("t/c/<str:token>/", public.click, name="click"),
    path("t/p/<str:token>/", public.preferences, name="preferences"),
    path("t/optin/<str:token>/", public.optin_confirm, name="optin_confirm"),
]
