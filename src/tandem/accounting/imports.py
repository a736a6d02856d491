"""Opening balances as an importable object (see tandem.core.imports): each row is one
account's (and, for a receivable or payable, one party's) balance; the file is posted whole as
one balanced opening entry in the general journal, or refused whole: `import.unbalanced` when
its debits and credits differ, `import.opening_exists` when the company already has one.
"""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.catalog.services.pricing import company_today
from tandem.core.errors import Conflict, InvalidReference, ValidationFailed
from tandem.core.imports import (
    ImportField,
    ImportObject,
    batches,
    import_register,
    keys_of,
    text,
)
from tandem.core.models import ImportKey
from tandem.parties.imports import party_for_import
from tandem.parties.models import Party

from .errors import Unbalanced
from .models import (
    Account,
    Entry,
    EntryLine,
    Invoice,
    InvoiceKind,
    InvoiceState,
    Journal,
    JournalKind,
)
from .models.ledger import ZERO
from .services import entry_create_posted
from .services.invoices import invoice_create

F = ImportField
OPENING_REFERENCE = "OPENING"
OPENING_FIELDS = (
    F(
        "account",
        gettext_lazy("Account code"),
        required=True,
        aliases=("account code", "科目", "科目编码", "科目代码"),
        max_length=30,
    ),  # noqa: E501
    F("debit", gettext_lazy("Debit"), "decimal", aliases=("借方", "借方金额", "期初借方")),
    F("credit", gettext_lazy("Credit"), "decimal", aliases=("贷方", "贷方金额", "期初贷方")),
    F("party", gettext_lazy("Party"), aliases=("partner", "往来单位", "客户", "供应商")),
    F("date", gettext_lazy("Date"), "date", aliases=("opening date", "日期", "期初日期")),
    F("description", gettext_lazy("Description"), aliases=("label", "摘要", "说明")),
)


def _account(run, code: str) -> Account:
    accounts = run.cached(
        "accounts", lambda: {a.code: a for a in Account.objects.filter(company=run.company)}
    )
    account = accounts.get(code)
    if account is None:
        raise InvalidReference(
            _("No account with code %(code)s.") % {"code": code}, field="account"
        )
    return account


def _party(run, text: str) -> Party:
    return party_for_import(run, text)


def opening_row(run, values: dict, target_id=None):
    debit = values.get("debit") or ZERO
    credit = values.get("credit") or ZERO
    if debit < 0 or credit < 0 or (debit and credit) or not (debit or credit):
        raise ValidationFailed(
            _("Give a positive debit or a positive credit, not both."),
            code="import.amount_invalid",
            field="debit",
        )
    line = {"account": _account(run, values["account"]), "debit": debit, "credit": credit}
    if values.get("party"):
        line["party"] = _party(run, values["party"])
    if values.get("description"):
        line["description"] = values["description"]
    run.collected.append((line, values.get("date")))
    return None, True


def opening_finish(run) -> dict:
    company = run.company
    journal = (
        Journal.objects.filter(company=company, kind=JournalKind.GENERAL).order_by("id").first()
    )
    if journal is None:
        raise Conflict(_("Install a chart of accounts first."), code="import.no_journal")
    if Entry.objects.filter(
        company=company, journal__kind=JournalKind.GENERAL, reference=OPENING_REFERENCE
    ).exists():
        raise Conflict(
            _("The opening balances are posted already; correct them with an entry."),
            code="import.opening_exists",
        )
    dates = {on for _line, on in run.collected if on is not None}
    if len(dates) > 1:
        raise ValidationFailed(
            _("All opening balances must have the same date."), code="import.dates_differ"
        )
    on = dates.pop() if dates else None
    if on is None:
        on = company_today(company)
    lines = [line for line, _on in run.collected]
    debit = sum((line["debit"] for line in lines), Decimal(0))
    credit = sum((line["credit"] for line in lines), Decimal(0))
    if debit != credit:
        raise ValidationFailed(
            _("Debits %(debit)s and credits %(credit)s differ: nothing was imported.")
            % {"debit": debit, "credit": credit},
            code="import.unbalanced",
            extra={"debit": str(debit), "credit": str(credit)},
        )
    try:
        entry = entry_create_posted(
            company=company,
            journal=journal,
            date=on,
            lines=lines,
            reference=OPENING_REFERENCE,
            narration=str(_("Opening balances")),
            user=run.user,
        )
    except Unbalanced as exc:  # rounding to the currency can still unbalance it
        raise ValidationFailed(exc.message, code="import.unbalanced", extra=exc.extra) from exc
    return {"entry": entry.pk, "entry_number": entry.number, "debit": str(debit)}


# -- open invoices and bills ------------------------------------------------------------------

INVOICE_FIELDS = (
    F(
        "number",
        gettext_lazy("Number"),
        required=True,
        aliases=("invoice number", "reference", "发票号", "单据编号", "单号"),
    ),  # noqa: E501
    F(
        "kind",
        gettext_lazy("Kind"),
        "choice",
        choices=("customer_invoice", "vendor_bill"),
        aliases=("type", "类型"),
    ),  # noqa: E501
    F(
        "party",
        gettext_lazy("Party"),
        required=True,
        aliases=("partner", "customer", "vendor", "往来单位", "客户", "供应商"),
    ),  # noqa: E501
    F(
        "date",
        gettext_lazy("Date"),
        "date",
        required=True,
        aliases=("invoice date", "日期", "开票日期"),
    ),  # noqa: E501
    F("due_date", gettext_lazy("Due date"), "date", aliases=("到期日",)),
    F(
        "amount",
        gettext_lazy("Amount due"),
        "decimal",
        required=True,
        aliases=("residual", "amount due", "未付金额", "余额"),
    ),  # noqa: E501
    F("currency", gettext_lazy("Currency"), aliases=("币种",)),
    F(
        "account",
        gettext_lazy("Opening account"),
        required=True,
        aliases=("opening account", "对方科目", "期初科目"),
        max_length=30,
    ),  # noqa: E501
)


def open_invoice_row(run, values: dict, target_id=None):
    """An invoice (or bill) of one line for what is still due, against the opening account,
    posted: the receivable (payable) and the party's balance carry the residual. A re-import
    leaves a posted one as it is when its amount is unchanged, else names the row."""
    kind = values.get("kind") or InvoiceKind.CUSTOMER_INVOICE
    amount = values["amount"]
    if amount <= 0:
        raise ValidationFailed(
            _("The amount due is positive."), code="validation.min_value", field="amount"
        )
    existing = Invoice.objects.filter(company=run.company, pk=target_id).first()
    if existing is not None:
        if existing.total_amount != amount:
            raise Conflict(
                _(
                    "Invoice %(number)s is posted already with another amount; correct it with a "
                    "credit note."
                )
                % {"number": values["number"]},
                code="import.posted",
                field="amount",
            )
        return existing.pk, False
    invoice = invoice_create(
        company=run.company,
        kind=kind,
        party=_party(run, values["party"]),
        date=values["date"],
        due_date=values.get("due_date"),
        currency=values.get("currency") or None,
        reference=values["number"],
        origin=OPENING_REFERENCE,
        lines=[
            {
                "description": str(_("Opening balance %(number)s") % {"number": values["number"]}),
                "account": _account(run, values["account"]),
                "quantity": 1,
                "unit_price": amount,
                "taxes": [],
            }
        ],
        user=run.user,
        post=True,
    )
    return invoice.pk, True


# -- exports in the imports' own columns -----------------------------------------------------


def _party_refs(company, pks) -> dict[int, str]:
    """How an import names each party: the key it was imported under, else its name."""
    pks = {pk for pk in pks if pk is not None}
    if not pks:
        return {}
    refs = dict(Party.objects.filter(company=company, pk__in=pks).values_list("pk", "name"))
    for key, target in ImportKey.objects.filter(
        company=company, object="parties", target_id__in=pks
    ).values_list("key", "target_id"):
        refs[target] = key
    return refs


def opening_export(company):
    """The balance of each account (and party) over every posted line, dated the last
    posting: the file that opens the same balances in another company (or system). For a
    company holding only its opening entry, the export imports back to the same entry."""
    from django.db.models import Max, Sum

    headers = [f.name for f in OPENING_FIELDS]
    posted = EntryLine.objects.filter(company=company, posted=True)

    def rows():
        last = posted.aggregate(on=Max("date"))["on"]
        sums = list(
            posted.values("account__code", "party_id")
            .annotate(debit=Sum("debit"), credit=Sum("credit"))
            .order_by("account__code", "party_id")
        )
        refs = _party_refs(company, (row["party_id"] for row in sums))
        for row in sums:
            balance = row["debit"] - row["credit"]
            if not balance:
                continue
            yield [
                row["account__code"],
                text(balance) if balance > 0 else "",
                text(-balance) if balance < 0 else "",
                refs.get(row["party_id"], ""),
                text(last),
                "",
            ]

    return headers, rows()


def open_invoice_export(company):
    """Posted customer invoices and vendor bills with an amount still due, one row each: the
    residual against the account of its first line. The number is the key the invoice was
    imported under (else `tandem:<id>`), so the file imports back onto the same invoices."""
    headers = [f.name for f in INVOICE_FIELDS]
    invoices = (
        Invoice.objects.filter(
            company=company,
            state=InvoiceState.POSTED,
            kind__in=(InvoiceKind.CUSTOMER_INVOICE, InvoiceKind.VENDOR_BILL),
            residual_amount__gt=0,
        )
        .select_related("currency")
        .prefetch_related("lines__account")
    )

    def rows():
        for batch in batches(invoices):
            keys = keys_of(company, "open-invoices", [i.pk for i in batch])
            refs = _party_refs(company, (i.party_id for i in batch))
            for invoice in batch:
                first = min(invoice.lines.all(), key=lambda line: line.pk, default=None)
                yield [
                    keys[invoice.pk],
                    invoice.kind,
                    refs.get(invoice.party_id, ""),
                    text(invoice.date),
                    text(invoice.due_date),
                    text(invoice.residual_amount),
                    invoice.currency_id,
                    first.account.code if first is not None and first.account else "",
                ]

    return headers, rows()


def register() -> None:
    import_register(
        ImportObject(
            name="open-invoices",
            label=gettext_lazy("Open invoices and bills"),
            description=gettext_lazy(
                "Customer invoices and vendor bills still due, posted with their residual "
                "against an opening account."
            ),
            fields=INVOICE_FIELDS,
            key="number",
            handler=open_invoice_row,
            perms=("accounting.add_invoice", "accounting.change_invoice"),
            export=open_invoice_export,
            export_perm="accounting.view_invoice",
        )
    )
    import_register(
        ImportObject(
            name="opening-balances",
            label=gettext_lazy("Opening balances"),
            description=gettext_lazy(
                "Account balances on the opening date, posted as one balanced entry."
            ),
            fields=OPENING_FIELDS,
            handler=opening_row,
            finish=opening_finish,
            atomic=True,
            max_rows=5000,
            perms=("accounting.add_entry",),
            export=opening_export,
            export_perm="accounting.view_entry",
        )
    )
