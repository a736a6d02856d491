"""The service app's services (see DESIGN.md): tickets, SLA, mail intake, configuration."""

from .assignment import agent_absence_add, pick_agent, team_agent_set, ticket_autoassign
from .config import (
    kb_article_create,
    kb_article_update,
    quality_action_add,
    quality_issue_create,
    quality_issue_update,
    sla_policy_create,
    sla_policy_update,
    team_create,
    team_update,
    ticket_quality_issue,
)
from .csat import csat_answer, csat_comment
from .escalation import escalate
from .helpdesk import (
    canned_response_create,
    kb_draft_from_ticket,
    kb_vote,
    macro_apply,
    macro_create,
    render_canned,
    ticket_split,
)
from .mail import service_mail_claim
from .quality import quality_alert_check, quality_alert_rule_set
from .sla import sla_refresh_open, ticket_sla_check, ticket_sla_refresh
from .tickets import (
    reply_address,
    ticket_assign,
    ticket_close,
    ticket_create,
    ticket_inbound,
    ticket_merge,
    ticket_note,
    ticket_reopen,
    ticket_reply,
    ticket_resolve,
    ticket_set_state,
)

__all__ = [
    "quality_alert_check",
    "quality_alert_rule_set",
    "canned_response_create",
    "csat_answer",
    "csat_comment",
    "kb_draft_from_ticket",
    "kb_vote",
    "macro_apply",
    "macro_create",
    "render_canned",
    "ticket_split",
    "agent_absence_add",
    "escalate",
    "pick_agent",
    "team_agent_set",
    "ticket_autoassign",
    "kb_article_create",
    "kb_article_update",
    "quality_action_add",
    "quality_issue_create",
    "quality_issue_update",
    "reply_address",
    "service_mail_claim",
    "sla_policy_create",
    "sla_policy_update",
    "sla_refresh_open",
    "team_create",
    "team_update",
    "ticket_assign",
    "ticket_close",
    "ticket_create",
    "ticket_inbound",
    "ticket_merge",
    "ticket_note",
    "ticket_quality_issue",
    "ticket_reopen",
    "ticket_reply",
    "ticket_resolve",
    "ticket_set_state",
    "ticket_sla_check",
    "ticket_sla_refresh",
]
