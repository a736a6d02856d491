"""The customer-facing pages, mounted under service/portal/: the rating links of the
satisfaction mail, and the portal of one company (/service/portal/<company code>/...)."""

from django.urls import path

from . import portal

app_name = "portal"
urlpatterns = [
    path("rate/<str:token>/<int:rating>/", portal.rate, name="rate"),
    path("rate/<str:token>/comment/", portal.rate_comment, name="rate_comment"),
    path("<str:code>/login/", portal.login, name="login"),
    path("<str:code>/login/<str:token>/", portal.login_link, name="login_link"),
    path("<str:code>/logout/", portal.logout, name="logout"),
    path("<str:code>/", portal.home, name="home"),
    path("<str:code>/tickets/new/", portal.ticket_new, name="ticket_new"),
    path("<str:code>/tickets/<int:pk>/", portal.ticket, name="ticket"),
    path("<str:code>/suggest/", portal.suggest, name="suggest"),
    path("<str:code>/kb/<int:pk>/", portal.article, name="article"),
]
