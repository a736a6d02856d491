from django.urls import include, path

from . import tool_views, views

app_name = "service"
urlpatterns = [
    path("", views.home, name="home"),
    path("tickets/", views.ticket_list, name="ticket_list"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket_detail"),
    # before the action route, which would take "canned" as an action
    path("tickets/<int:pk>/canned/", tool_views.canned_insert, name="canned_insert"),
    path("tickets/<int:pk>/<str:action>/", views.ticket_action, name="ticket_action"),
    path("canned/", tool_views.canned_list, name="canned_list"),
    path("canned/new/", tool_views.canned_edit, name="canned_new"),
    path("canned/<int:pk>/", tool_views.canned_edit, name="canned_edit"),
    path("macros/", tool_views.macro_list, name="macro_list"),
    path("macros/new/", tool_views.macro_edit, name="macro_new"),
    path("macros/<int:pk>/", tool_views.macro_edit, name="macro_edit"),
    path("teams/", views.team_list, name="team_list"),
    path("teams/<int:pk>/agents/", tool_views.team_agents, name="team_agents"),
    path("kb/", views.kb_list, name="kb_list"),
    path("kb/new/", views.kb_edit, name="kb_new"),
    path("kb/<int:pk>/", views.kb_edit, name="kb_edit"),
    path("quality/", views.quality_list, name="quality_list"),
    path("quality/<int:pk>/", views.quality_detail, name="quality_detail"),
    path("csat/", views.csat, name="csat"),
    path("quality/pareto/", views.pareto, name="pareto"),
    path("portal/", include("tandem.service.portal_urls")),
]
