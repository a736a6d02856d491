from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("areas/<slug:area>/", views.area, name="area"),
    path("language/", views.language_switch, name="language"),
    path("company/", views.company_switch, name="company"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_add, name="token_add"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("settings/", views.settings_page, name="settings"),
    path("healthz", views.healthz, name="healthz"),
]

auth_urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
