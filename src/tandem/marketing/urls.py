from django.urls import path

from . import public, views

app_name = "marketing"
urlpatterns = [
    path("", views.home, name="home"),
    path("segments/", views.segment_list, name="segment_list"),
    path("segments/new/", views.segment_edit, name="segment_new"),
    path("segments/count/", views.segment_count, name="segment_count"),
    path("segments/<int:pk>/", views.segment_edit, name="segment_edit"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/new/", views.template_edit, name="template_new"),
    path("templates/<int:pk>/", views.template_edit, name="template_edit"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/send/", views.campaign_send, name="campaign_send"),
    path("campaigns/<int:pk>/test/", views.campaign_test, name="campaign_test"),
    path("campaigns/<int:pk>/cancel/", views.campaign_cancel, name="campaign_cancel"),
    path("campaigns/<int:pk>/ab-decide/", views.campaign_ab_decide, name="campaign_ab_decide"),
    path("automations/", views.automation_list, name="automation_list"),
    path("automations/new/", views.automation_edit, name="automation_new"),
    path("automations/<int:pk>/", views.automation_edit, name="automation_edit"),
    path("automations/<int:pk>/dry-run/", views.automation_dry_run, name="automation_dry_run"),
    path("parties/<int:pk>/", views.party_consents, name="party_consents"),
    # public, token-signed (no login)
    path("t/u/<str:token>/", public.unsubscribe, name="unsubscribe"),
    path("t/o/<str:token>.gif", public.open_pixel, name="open"),
    path("t/c/<str:token>/", public.click, name="click"),
    path("t/p/<str:token>/", public.preferences, name="preferences"),
    path("t/optin/<str:token>/", public.optin_confirm, name="optin_confirm"),
]
