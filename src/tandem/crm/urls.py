from django.urls import path

from .views import (
    activities,
    documents,
    followup,
    imports,
    leads,
    opportunities,
    overview,
    performance,
    public,
    settings,
)

app_name = "crm"
urlpatterns = [
    path("", activities.home, name="home"),
    # leads
    path("leads/", leads.lead_list, name="lead_list"),
    path("leads/export/", leads.lead_export, name="lead_export"),
    path("leads/new/", leads.lead_create, name="lead_create"),
    path("leads/<int:pk>/", leads.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/edit/", leads.lead_edit, name="lead_edit"),
    path("leads/<int:pk>/qualify/", leads.lead_qualify, name="lead_qualify"),
    path("leads/<int:pk>/disqualify/", leads.lead_disqualify, name="lead_disqualify"),
    path("leads/<int:pk>/reopen/", leads.lead_reopen, name="lead_reopen"),
    path("leads/<int:pk>/delete/", leads.lead_delete, name="lead_delete"),
    # opportunities
    path("opportunities/", opportunities.opportunity_list, name="opportunity_list"),
    path("opportunities/board/", opportunities.board, name="board"),
    path("opportunities/forecast/", opportunities.forecast, name="forecast"),
    path("opportunities/new/", opportunities.opportunity_create, name="opportunity_create"),
    path("opportunities/<int:pk>/", opportunities.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", opportunities.opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:pk>/move/", opportunities.opportunity_move, name="opportunity_move"),
    path("opportunities/<int:pk>/win/", opportunities.opportunity_win, name="opportunity_win"),
    path("opportunities/<int:pk>/lose/", opportunities.opportunity_lose, name="opportunity_lose"),
    path(
        "opportunities/<int:pk>/delete/",
        opportunities.opportunity_delete,
        name="opportunity_delete",
    ),
    # activities and interactions
    path("activities/new/", activities.activity_create, name="activity_create"),
    path("activities/<int:pk>/done/", activities.activity_done, name="activity_done"),
    path("activities/<int:pk>/cancel/", activities.activity_cancel, name="activity_cancel"),
    path("activities/<slug:token>.ics", activities.calendar_feed, name="calendar_feed"),
    path("calendar/", activities.calendar_feed_regenerate, name="calendar_regenerate"),
    path("interactions/new/", activities.interaction_create, name="interaction_create"),
    path("email/send/", overview.email_send, name="email_send"),
    path("send/<slug:document>/<int:pk>/", documents.document_send, name="document_send"),
    path("send/<slug:document>/<int:pk>/pdf/", documents.document_pdf, name="document_pdf"),
    path("settings/document-emails/", documents.document_templates, name="document_templates"),
    # follow-up cadences, performance, import
    path("cadences/", followup.cadence_list, name="cadence_list"),
    path("cadences/new/", followup.cadence_create, name="cadence_create"),
    path("cadences/<int:pk>/", followup.cadence_edit, name="cadence_edit"),
    path("cadences/<int:pk>/delete/", followup.cadence_delete, name="cadence_delete"),
    path("cadences/report/", followup.cadence_report, name="cadence_report"),
    path("performance/", performance.leaderboard, name="performance"),
    path("performance/targets/<int:pk>/delete/", performance.target_delete, name="target_delete"),
    path("leads/import/", imports.lead_import, name="lead_import"),
    # settings
    path("settings/", settings.settings_page, name="settings"),
    path("settings/stages/<int:pk>/", settings.stage_edit, name="stage_edit"),
    path("settings/stages/<int:pk>/delete/", settings.stage_delete, name="stage_delete"),
    path("settings/lost-reasons/<int:pk>/toggle/", settings.reason_toggle, name="reason_toggle"),
    path("settings/lost-reasons/<int:pk>/delete/", settings.reason_delete, name="reason_delete"),
    path("settings/teams/<int:pk>/", settings.team_edit, name="team_edit"),
    path("settings/teams/<int:pk>/delete/", settings.team_delete, name="team_delete"),
    # public
    path("forms/<str:company_code>/lead/", public.web_form, name="web_form"),
    path("mail-in/<str:company_code>/", public.mail_in, name="mail_in"),
]
