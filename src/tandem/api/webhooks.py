"""`/webhooks`, their deliveries and replay, and `GET /events/catalog`."""

from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from tandem.api.context import company_of, get_scoped, page_of, paginate, require_perm
from tandem.core import webhooks
from tandem.core.event_catalog import catalog
from tandem.core.models.webhooks import DeliveryState, WebhookDelivery, WebhookEndpoint

router = Router()
PERM = "core.manage_webhooks"

Url = Annotated[str, StringConstraints(max_length=2000)]
EventName = Annotated[str, StringConstraints(max_length=100)]
Text = Annotated[str, StringConstraints(max_length=200)]


class WebhookIn(Schema):
    url: Url
    events: list[EventName] = Field(..., max_length=100)
    description: Text = ""
    active: bool = True


class WebhookPatch(Schema):
    url: Url | None = None
    events: list[EventName] | None = Field(None, max_length=100)
    description: Text | None = None
    active: bool | None = None


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    description: str
    active: bool
    disabled_reason: str
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="`whsec_` + base64 key; shown only in this answer")


class DeliveryOut(Schema):
    id: int
    webhook: int = Field(validation_alias="endpoint_id")
    event_id: str = Field(validation_alias="event.uid")
    event: str = Field(validation_alias="event.name")
    replay_of: int | None = Field(None, validation_alias="replay_of_id")
    attempt: int = Field(validation_alias="attempts")
    state: str
    status_code: int | None
    response_excerpt: str
    last_error: str
    next_retry_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class CatalogEvent(Schema):
    name: str
    description: str
    schema_: dict[str, Any] = Field(..., alias="schema")
    example: dict[str, Any]


class CatalogOut(Schema):
    items: list[CatalogEvent]
    count: int


@router.get("/events/catalog", response=CatalogOut, tags=["webhooks"], by_alias=True)
def event_catalog(request):
    """Every event Tandem publishes, with its payload's JSON schema and an example."""
    items = catalog()
    return {"items": items, "count": len(items)}


@router.get("/webhooks", response=page_of(WebhookOut), tags=["webhooks"])
def webhook_list(request, limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0)):
    require_perm(request, PERM)
    qs = WebhookEndpoint.objects.filter(company=company_of(request)).order_by("pk")
    return paginate(qs, limit=limit, offset=offset)


@router.post("/webhooks", response={201: WebhookCreated}, tags=["webhooks"])
def webhook_add(request, payload: WebhookIn):
    """422 `webhook.url_private` (resolves to a loopback, private, link-local or reserved
    address), `webhook.url_scheme` (not https), `webhook.url_invalid`,
    `webhook.url_unresolvable`, `webhook.event_unknown`, `webhook.events_required`."""
    require_perm(request, PERM)
    endpoint, secret = webhooks.webhook_create(
        company=company_of(request),
        url=payload.url,
        events=payload.events,
        description=payload.description,
        active=payload.active,
        user=request.user,
    )
    endpoint.secret = secret
    return Status(201, endpoint)


@router.get("/webhooks/{webhook_id}", response=WebhookOut, tags=["webhooks"])
def webhook_read(request, webhook_id: int):
    require_perm(request, PERM)
    return get_scoped(WebhookEndpoint, request, webhook_id, label="webhook")


@router.patch("/webhooks/{webhook_id}", response=WebhookOut, tags=["webhooks"])
def webhook_update(request, webhook_id: int, payload: WebhookPatch):
    require_perm(request, PERM)
    endpoint = get_scoped(WebhookEndpoint, request, webhook_id, label="webhook")
    fields = payload.dict(exclude_unset=True)
    return webhooks.webhook_update(
        endpoint=endpoint, **{k: v for k, v in fields.items() if v is not None}
    )


@router.delete("/webhooks/{webhook_id}", response={204: None}, tags=["webhooks"])
def webhook_delete(request, webhook_id: int):
    require_perm(request, PERM)
    webhooks.webhook_delete(
        endpoint=get_scoped(WebhookEndpoint, request, webhook_id, label="webhook")
    )
    return Status(204, None)


@router.get("/webhooks/{webhook_id}/deliveries", response=page_of(DeliveryOut), tags=["webhooks"])
def webhook_deliveries(
    request,
    webhook_id: int,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    state: DeliveryState | None = None,
):
    require_perm(request, PERM)
    endpoint = get_scoped(WebhookEndpoint, request, webhook_id, label="webhook")
    qs = WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")
    if state:
        qs = qs.filter(state=state)
    return paginate(qs.order_by("-pk"), limit=limit, offset=offset)


@router.post(
    "/webhook-deliveries/{delivery_id}/replay", response={201: DeliveryOut}, tags=["webhooks"]
)
def delivery_replay(request, delivery_id: int):
    """Sends the event again (same `webhook-id`) as a new delivery; 409
    `webhook.endpoint_disabled` when the endpoint is disabled."""
    require_perm(request, PERM)
    delivery = get_scoped(
        WebhookDelivery.objects.select_related("endpoint"),
        request,
        delivery_id,
        label="webhook_delivery",
    )
    replay = webhooks.delivery_replay(delivery=delivery)
    return Status(201, WebhookDelivery.objects.select_related("event").get(pk=replay.pk))
