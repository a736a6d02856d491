from django.contrib.auth import views as auth_views
from django.urls import path

from . import auth_views as auth_views_own
from . import imports_views, integrations_views, jobs_views, lines, settings_views, views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("areas/<slug:area>/", views.area, name="area"),
    path("language/", views.language_switch, name="language"),
    path("company/", views.company_switch, name="company"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/", views.token_add, name="token_add"),
    path("profile/preferences/", auth_views_own.preferences, name="preferences"),
    path("profile/password/", auth_views_own.password_change, name="password_change"),
    path("profile/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("settings/", settings_views.settings_page, name="settings"),
    path("settings/company/", settings_views.company_edit, name="company_edit"),
    path("settings/profile/", settings_views.company_profile_edit, name="company_profile"),
    path("settings/profile/logo/", settings_views.company_logo, name="company_logo"),
    path("settings/companies/new/", settings_views.company_add, name="company_add"),
    path("settings/members/new/", settings_views.member_add, name="member_add"),
    path("settings/members/<int:user_id>/", settings_views.member_edit, name="member_edit"),
    path(
        "settings/members/<int:user_id>/remove/", settings_views.member_remove, name="member_remove"
    ),
    path("settings/exchange-rates/", settings_views.exchange_rates, name="exchange_rates"),
    path("settings/integrations/", integrations_views.integrations, name="integrations"),
    path(
        "settings/integrations/<int:endpoint_id>/",
        integrations_views.integration_detail,
        name="integration_detail",
    ),
    path(
        "settings/integrations/<int:endpoint_id>/toggle/",
        integrations_views.integration_toggle,
        name="integration_toggle",
    ),
    path(
        "settings/integrations/<int:endpoint_id>/delete/",
        integrations_views.integration_delete,
        name="integration_delete",
    ),
    path(
        "settings/integrations/deliveries/<int:delivery_id>/replay/",
        integrations_views.delivery_replay,
        name="webhook_delivery_replay",
    ),
    path(
        "settings/exchange-rates/<int:rate_id>/delete/",
        settings_views.exchange_rate_delete,
        name="exchange_rate_delete",
    ),
    path("pick/products/", lines.pick_products, name="pick_products"),
    path("pick/parties/", lines.pick_party, name="pick_party"),
    path("pick/line-defaults/", lines.line_defaults, name="line_defaults"),
    path("jobs/", jobs_views.job_list, name="jobs"),
    path("jobs/<int:pk>/progress/", jobs_views.job_progress, name="job_progress"),
    path("jobs/<int:pk>/cancel/", jobs_views.job_cancel_view, name="job_cancel"),
    path("imports/", imports_views.import_upload, name="import"),
    path("imports/columns/", imports_views.import_mapping, name="import_mapping"),
    path("imports/start/", imports_views.import_start_view, name="import_start"),
    path("imports/<int:pk>/errors.csv", imports_views.import_errors, name="import_errors"),
    path("healthz", views.healthz, name="healthz"),
]

auth_urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
