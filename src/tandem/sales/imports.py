"""Open sales orders as an importable object (see tandem.core.imports), for moving the
orders still to deliver from another system: one row per order line, the rows of an order
sharing its reference. The file is written whole or not at all (an order is never half
imported): each row is checked as it is read, then every order is made through the sales
services — priced, taxed and, unless the row says otherwise, confirmed, which reserves its
stock — under the channel `import` and its reference. Importing the file again makes
nothing new: an order whose reference the channel has already is left as it is.
"""

from collections import OrderedDict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.catalog.models import Product
from tandem.core.errors import DomainError, InvalidReference, ValidationFailed
from tandem.core.imports import ImportField, ImportObject, batches, import_register, text
from tandem.parties.imports import party_for_import, party_refs

from .models import OrderState, SalesOrder
from .services import sales_order_confirm, sales_order_create

F = ImportField
IMPORT_CHANNEL = "import"
ORDER_FIELDS = (
    F(
        "order",
        gettext_lazy("Order reference"),
        required=True,
        aliases=("order number", "order ref", "reference", "订单号", "订单编号", "单号"),
        max_length=100,
    ),
    F(
        "customer",
        gettext_lazy("Customer"),
        required=True,
        aliases=("party", "partner", "客户", "客户名称", "客户编码"),
    ),
    F("order_date", gettext_lazy("Order date"), "date", required=True, aliases=("下单日期",)),
    F(
        "product",
        gettext_lazy("Product SKU"),
        required=True,
        aliases=("sku", "product code", "item", "产品编码", "物料编码", "货号"),
        max_length=64,
    ),
    F("quantity", gettext_lazy("Quantity"), "decimal", required=True, aliases=("qty", "数量")),
    F("unit_price", gettext_lazy("Unit price"), "decimal", aliases=("price", "单价")),
    F("discount", gettext_lazy("Discount (%)"), "decimal", aliases=("discount", "折扣")),
    F(
        "commitment_date",
        gettext_lazy("Delivery date"),
        "date",
        aliases=("delivery date", "交货日期", "承诺交期"),
    ),
    F("currency", gettext_lazy("Currency"), aliases=("币种",), max_length=3),
    F(
        "confirmed",
        gettext_lazy("Confirmed"),
        "bool",
        aliases=("is confirmed", "已确认"),
    ),
    F("note", gettext_lazy("Note"), aliases=("notes", "备注"), max_length=10_000),
)
# what every row of one order must repeat alike
HEADER_FIELDS = ("customer", "order_date", "commitment_date", "currency", "confirmed", "note")


def _product(run, sku: str) -> Product:
    products = run.cached("products", dict)
    if sku not in products:
        products[sku] = Product.objects.filter(company=run.company, sku=sku).first()
    product = products[sku]
    if product is None:
        raise InvalidReference(_("No product with SKU %(sku)s.") % {"sku": sku}, field="product")
    return product


def open_order_row(run, values: dict, target_id=None):
    """Check one line and keep it for its order; the orders are made by `open_orders_make`."""
    if values["quantity"] <= 0:
        raise ValidationFailed(
            _("The quantity is positive."), code="validation.min_value", field="quantity"
        )
    for name in ("unit_price", "discount"):
        if values.get(name) is not None and values[name] < 0:
            raise ValidationFailed(
                _("This value cannot be negative."), code="validation.min_value", field=name
            )
    header = {name: values.get(name) for name in HEADER_FIELDS}
    orders = run.cached("orders", OrderedDict)
    first = orders.get(values["order"])
    if first is not None and first["header"] != header:
        changed = next(n for n in HEADER_FIELDS if first["header"][n] != header[n])
        raise ValidationFailed(
            _("Order %(order)s has another %(field)s on an earlier row.")
            % {"order": values["order"], "field": changed},
            code="import.order_mismatch",
            field=changed,
        )
    line = {"product": _product(run, values["product"]), "quantity": values["quantity"]}
    for name in ("unit_price", "discount"):
        if values.get(name) is not None:
            line[name] = values[name]
    if first is None:
        party = party_for_import(run, values["customer"], field="customer")
        orders[values["order"]] = first = {"header": header, "party": party, "lines": []}
    first["lines"].append(line)
    return None, True


def open_orders_make(run) -> dict:
    """Every order of the file, through the sales services; the file's refusal names the
    order when one of them is refused (a credit limit, a price below the floor...)."""
    orders = run.cached("orders", OrderedDict)
    known = set(
        SalesOrder.objects.filter(
            company=run.company, channel=IMPORT_CHANNEL, external_reference__in=list(orders)
        ).values_list("external_reference", flat=True)
    )
    made = confirmed = 0
    for reference, order in orders.items():
        if reference in known:
            continue
        header = order["header"]
        fields = {
            "channel": IMPORT_CHANNEL,
            "external_reference": reference,
            "order_date": header["order_date"],
            "commitment_date": header["commitment_date"],
            "note": header["note"] or "",
        }
        if header["currency"]:
            fields["currency"] = header["currency"]
        try:
            created = sales_order_create(
                company=run.company,
                party=order["party"],
                lines=order["lines"],
                user=run.user,
                **fields,
            )
            if header["confirmed"] is not False:
                sales_order_confirm(order=created, user=run.user)
                confirmed += 1
        except DomainError as exc:
            exc.message = _("Order %(order)s: %(reason)s") % {
                "order": reference,
                "reason": exc.message,
            }
            raise
        made += 1
    return {
        "orders": made,
        "confirmed": confirmed,
        "skipped": len(known),
        "lines": sum(len(o["lines"]) for r, o in orders.items() if r not in known),
    }


OPEN_STATES = (OrderState.DRAFT, OrderState.SENT, OrderState.CONFIRMED)


def open_order_export(company):
    """Orders still to deliver (draft, sent or confirmed), one row per line with the quantity
    not delivered yet, in the import's columns: the file opens the same orders in another
    company. An order is named by the reference it was imported under, else its number; a
    customer by its import key, else its name; `confirmed` says whether it is confirmed."""
    headers = [f.name for f in ORDER_FIELDS]
    orders = SalesOrder.objects.filter(company=company, state__in=OPEN_STATES).prefetch_related(
        "lines__product"
    )

    def rows():
        for batch in batches(orders):
            refs = party_refs(company, (o.party_id for o in batch))
            for order in batch:
                imported = order.channel == IMPORT_CHANNEL and order.external_reference
                reference = order.external_reference if imported else order.number
                for line in sorted(order.lines.all(), key=lambda line: (line.sequence, line.pk)):
                    remaining = line.quantity - line.qty_delivered
                    if remaining <= 0:
                        continue
                    yield [
                        reference,
                        refs.get(order.party_id, ""),
                        text(order.order_date),
                        line.product.sku,
                        text(remaining),
                        text(line.unit_price),
                        text(line.discount),
                        text(order.commitment_date),
                        order.currency_id,
                        text(order.state == OrderState.CONFIRMED),
                        order.note,
                    ]

    return headers, rows()


def register() -> None:
    import_register(
        ImportObject(
            name="open-orders",
            label=gettext_lazy("Open sales orders"),
            description=gettext_lazy(
                "Orders still to deliver, one row per line: made, priced, taxed and confirmed "
                "(reserving stock) through the sales services; the file is imported whole or "
                "not at all, and an order imported before is left as it is."
            ),
            fields=ORDER_FIELDS,
            handler=open_order_row,
            finish=open_orders_make,
            atomic=True,
            max_rows=20_000,
            perms=("sales.add_salesorder", "sales.change_salesorder"),
            export=open_order_export,
            export_perm="sales.view_salesorder",
        )
    )
