"""The OpenAPI document names every request and response schema once.

Ninja files each pydantic model under its bare class name in `components/schemas`. Two
classes of one name in different apps share that entry silently, and the operations of
one are then documented with the other's fields, so clients and fuzzers build wrong
bodies from the document (audit finding 5).
"""

import enum
import typing

import pytest
from pydantic import BaseModel

from tandem.api.root import api as root_api

pytestmark = pytest.mark.django_db


def _schema_classes() -> tuple[dict[str, set[type]], int]:
    """{name: {class, ...}} of every model and enum an operation's parameters, body or
    responses reach (ninja's own wrappers of them left out), and how many operations."""
    found: dict[str, set[type]] = {}
    seen: set[type] = set()

    def walk(annotation):
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            found.setdefault(annotation.__name__, set()).add(annotation)
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in seen:
                seen.add(annotation)
                found.setdefault(annotation.__name__, set()).add(annotation)
                for field in annotation.model_fields.values():
                    walk(field.annotation)
        else:
            for argument in typing.get_args(annotation):
                walk(argument)

    def fields_of(wrapper):
        if isinstance(wrapper, type) and issubclass(wrapper, BaseModel):
            for field in wrapper.model_fields.values():
                walk(field.annotation)

    operations = 0
    for router in root_api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                operations += 1
                for params in operation.models:
                    fields_of(params)
                for response in operation.response_models.values():
                    fields_of(response)
    return found, operations


def _shared(found) -> dict[str, list[str]]:
    return {
        name: sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in classes)
        for name, classes in found.items()
        if len(classes) > 1
    }


@pytest.fixture
def document(api):
    answer = api.client.get("/api/v1/openapi.json")
    assert answer.status_code == 200, answer.content
    return answer.json()


def _body(document, path, method="post") -> tuple[str, dict]:
    """The component name and schema of an operation's JSON body (optional or not)."""
    schema = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    ref = schema.get("$ref") or next(s["$ref"] for s in schema["anyOf"] if "$ref" in s)
    name = ref.rsplit("/", 1)[1]
    return name, document["components"]["schemas"][name]


def _items_of(document, component: str, field: str) -> tuple[str, dict]:
    ref = document["components"]["schemas"][component]["properties"][field]["items"]["$ref"]
    name = ref.rsplit("/", 1)[1]
    return name, document["components"]["schemas"][name]


def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reachable_model_is_a_component_of_the_document(document):
    found, operations = _schema_classes()

    components = set(document["components"]["schemas"])
    refs = set(_refs(document))

    assert document["openapi"].startswith("3.")
    assert refs and {ref.rsplit("/", 1)[1] for ref in refs} <= components  # no dangling $ref

    assert operations > 200  # the walk saw every router, not one
    models = {
        name
        for name, classes in found.items()
        if any(issubclass(cls, BaseModel) for cls in classes)
    }
    assert len(models) > 150
    assert models - components == set()


def test_no_two_schema_classes_share_a_component_name():
    found, _operations = _schema_classes()

    assert _shared(found) == {}


def test_bodies_of_same_named_actions_are_documented_with_their_own_fields(document):
    invoice_name, invoice = _body(document, "/api/v1/invoices")
    order_invoice_name, order_invoice = _body(document, "/api/v1/sales-orders/{order_id}/invoice")
    po_send_name, po_send = _body(document, "/api/v1/purchase-orders/{order_id}/send")
    so_send_name, so_send = _body(document, "/api/v1/sales-orders/{order_id}/send")
    po_line_in, po_line_in_schema = _items_of(document, "PurchaseOrderIn", "lines")
    po_line_out, po_line_out_schema = _items_of(document, "PurchaseOrderOut", "lines")
    so_line_out, so_line_out_schema = _items_of(document, "OrderOut", "lines")

    assert invoice_name == "InvoiceIn"
    assert {"kind", "party", "lines"} <= set(invoice["properties"])
    assert order_invoice_name == "OrderInvoiceIn"
    assert set(order_invoice["properties"]) == {"with_orders", "date", "quantities", "post"}
    assert (po_send_name, set(po_send["properties"])) == ("PurchaseSendIn", {"email"})
    assert (so_send_name, set(so_send["properties"])) == ("SendIn", {"to"})
    assert po_line_in == "PurchaseLineIn" and "expected_date" in po_line_in_schema["properties"]
    assert po_line_out == "PurchaseLineOut"
    assert {"received_quantity", "billed_quantity"} <= set(po_line_out_schema["properties"])
    assert so_line_out == "OrderLineOut" and "qty_delivered" in so_line_out_schema["properties"]


def test_transfer_bodies_have_their_own_components(document):
    done_name, done = _body(document, "/api/v1/transfers/{transfer_id}/done")
    move_name, move = _items_of(document, "TransferIn", "moves")

    assert (done_name, set(done["properties"])) == ("TransferDoneIn", {"moves"})
    assert move_name == "TransferMoveIn" and {"product", "quantity"} <= set(move["properties"])
