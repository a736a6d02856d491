"""Every published event with its payload's JSON schema and an example (`GET /events/catalog`).

A test reads every `events.publish("...")` in the source and fails when a name is missing
here. Payloads carry ids and a few identifying fields, never whole documents: a receiver
reads the document through the API. Money and quantities are decimal strings.
"""

from __future__ import annotations

_INT = {"type": "integer"}
_STR = {"type": "string"}
_DEC = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "decimal"}
_CUR = {"type": "string", "pattern": "^[A-Z]{3}$", "description": "ISO 4217"}
_IDS = {"type": "array", "items": _INT}

# field -> (schema, example value)
_FIELDS: dict[str, tuple[dict, object]] = {
    "company_id": (_INT, 1),
    "activity_id": (_INT, 42),
    "entry_id": (_INT, 310),
    "reversal_id": (_INT, 311),
    "fiscal_year_id": (_INT, 3),
    "from_stage_id": (_INT, 2),
    "to_stage_id": (_INT, 3),
    "interaction_id": (_INT, 57),
    "invoice_id": (_INT, 120),
    "lead_id": (_INT, 88),
    "lost_reason_id": (_INT, 4),
    "move_id": (_INT, 901),
    "move_ids": (_IDS, [901, 902]),
    "manufacturing_order_id": (_INT, 58),
    "opportunity_id": (_INT, 19),
    "order_id": (_INT, 77),
    "party_id": (_INT, 15),
    "payment_id": (_INT, 64),
    "period_id": (_INT, 27),
    "product_id": (_INT, 33),
    "sales_order_id": (_INT, 77),
    "transfer_id": (_INT, 240),
    "location_src_id": (_INT, 5),
    "location_dest_id": (_INT, 9),
    "number": (_STR, "INV/2026/00012"),
    "journal": (_STR, "SAL"),
    "template": (_STR, "prc"),
    "kind": (_STR, "customer_invoice"),
    "direction": ({"type": "string", "enum": ["in", "out"]}, "in"),
    "payment_state": (
        {"type": "string", "enum": ["not_paid", "partial", "paid"]},
        "partial",
    ),
    "total": (_DEC, "1130.00"),
    "amount": (_DEC, "500.00"),
    "quantity": (_DEC, "10"),
    "currency": (_CUR, "CNY"),
    "automation_id": (_INT, 6),
    "run_id": (_INT, 120),
    "step": (_INT, 2),
    "name": (_STR, "welcome-done"),
    "models": ({"type": "array", "items": _STR}, ["demand_forecast"]),
    "quality_check_id": (_INT, 12),
    "lot_id": ({"type": ["integer", "null"]}, 305),
}

# name -> (description, fields of the payload)
_EVENTS: dict[str, tuple[str, list[str]]] = {
    "company.created": ("A company was created.", ["company_id"]),
    "party.created": ("A customer or supplier was created.", ["party_id", "company_id"]),
    "party.updated": ("A party's fields changed.", ["party_id", "company_id"]),
    "party.deleted": ("A party was deleted.", ["party_id", "company_id"]),
    "chart.installed": ("A chart of accounts was installed.", ["company_id", "template"]),
    "entry.posted": (
        "A journal entry was posted.",
        ["entry_id", "company_id", "number", "journal"],
    ),
    "entry.reversed": (
        "A posted journal entry was reversed.",
        ["entry_id", "reversal_id", "company_id"],
    ),
    "invoice.posted": (
        "An invoice, bill or credit note was posted.",
        ["invoice_id", "company_id", "kind", "number", "party_id", "total", "currency"],
    ),
    "invoice.cancelled": (
        "A posted invoice was cancelled.",
        ["invoice_id", "company_id", "kind", "number"],
    ),
    "invoice.settlement_changed": (
        "A payment allocation changed an invoice's residual.",
        ["invoice_id", "company_id", "kind", "party_id", "payment_state"],
    ),
    "invoice.paid": (
        "An invoice became fully paid.",
        ["invoice_id", "company_id", "kind", "number", "party_id"],
    ),
    "payment.posted": (
        "A payment was posted.",
        ["payment_id", "company_id", "number", "party_id", "direction", "amount", "currency"],
    ),
    "payment.cancelled": (
        "A posted payment was cancelled.",
        ["payment_id", "company_id", "number"],
    ),
    "period.closed": ("An accounting period was closed.", ["period_id", "company_id"]),
    "period.reopened": ("An accounting period was reopened.", ["period_id", "company_id"]),
    "fiscal_year.closed": ("A fiscal year was closed.", ["fiscal_year_id", "company_id"]),
    "stock.move_done": (
        "A stock move was done.",
        [
            "move_id",
            "company_id",
            "product_id",
            "quantity",
            "location_src_id",
            "location_dest_id",
        ],
    ),
    "stock.transfer_done": (
        "A transfer (receipt, delivery, internal) was done.",
        ["transfer_id", "company_id", "move_ids"],
    ),
    "purchase.confirmed": (
        "A purchase order was confirmed.",
        ["order_id", "company_id", "number"],
    ),
    "sales_order.confirmed": (
        "A sales order was confirmed.",
        ["order_id", "company_id", "number", "party_id", "total", "currency"],
    ),
    "manufacturing_order.confirmed": (
        "A manufacturing order was confirmed (its component moves wait for stock).",
        ["manufacturing_order_id", "company_id", "number"],
    ),
    "manufacturing_order.done": (
        "A manufacturing order was completed (its WIP is at zero).",
        ["manufacturing_order_id", "company_id", "number"],
    ),
    "manufacturing_order.cancelled": (
        "A manufacturing order was cancelled.",
        ["manufacturing_order_id", "company_id", "number"],
    ),
    "lead.created": ("A lead was created.", ["lead_id", "company_id"]),
    "lead.qualified": (
        "A lead was qualified into an opportunity.",
        ["lead_id", "opportunity_id", "party_id", "company_id"],
    ),
    "lead.disqualified": ("A lead was disqualified.", ["lead_id", "company_id"]),
    "opportunity.created": ("An opportunity was created.", ["opportunity_id", "company_id"]),
    "opportunity.moved": (
        "An opportunity moved to another stage.",
        ["opportunity_id", "from_stage_id", "to_stage_id", "company_id"],
    ),
    "opportunity.won": ("An opportunity was won.", ["opportunity_id", "company_id"]),
    "opportunity.lost": (
        "An opportunity was lost.",
        ["opportunity_id", "lost_reason_id", "company_id"],
    ),
    "opportunity.order_created": (
        "A won opportunity made its sales order.",
        ["opportunity_id", "sales_order_id", "company_id"],
    ),
    "activity.created": ("An activity was scheduled.", ["activity_id", "company_id"]),
    "activity.done": ("An activity was marked done.", ["activity_id", "company_id"]),
    "interaction.logged": ("A call, email or note was logged.", ["interaction_id", "company_id"]),
    "quality_check.failed": (
        "A quality check failed; its lot (if any) is held until the check is released.",
        ["quality_check_id", "lot_id", "company_id"],
    ),
    "analytics.model_activated": (
        "New analytics models became active, replacing the previous runs' predictions.",
        ["models", "company_id"],
    ),
    "marketing.automation_webhook": (
        "An automation reached a webhook step for a party.",
        ["automation_id", "run_id", "party_id", "step", "name", "company_id"],
    ),
}


def schema_of(name: str) -> dict:
    fields = _EVENTS[name][1]
    return {
        "type": "object",
        "properties": {field: _FIELDS[field][0] for field in fields},
        "required": list(fields),
    }


def example_of(name: str) -> dict:
    return {field: _FIELDS[field][1] for field in _EVENTS[name][1]}


def catalog() -> list[dict]:
    return [
        {
            "name": name,
            "description": description,
            "schema": schema_of(name),
            "example": example_of(name),
        }
        for name, (description, _fields) in sorted(_EVENTS.items())
    ]


def event_names() -> list[str]:
    return sorted(_EVENTS)
