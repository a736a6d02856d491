"""PostgreSQL triggers that keep posted (and cancelled) invoices and payments as posted.

The application refuses these writes too (models/immutability.py: the models and their
QuerySets); the triggers also stop raw SQL, other clients and bugs. SQLite is left alone, as
in 0002 (its test flush deletes rows one by one).

Past draft, a document's row may change only in the columns the services still move: the
settlement (residuals, payment state, a payment's unallocated amount) and the cancellation
(state posted -> cancelled, the reversal entry, its date). Every other column is compared as a
whole (the row as jsonb minus those columns), so a column added later is covered without a new
trigger. Lines, tax summaries and line taxes of such an invoice are neither added, changed nor
deleted. An allocation changes only while its payment is a draft (a planned row) and is
deleted, past that, only by the payment's cancellation (its entry already reversed).
Self-contained on purpose: migrations never import app code that may change later.
"""

from django.db import migrations

GUARDS = """
CREATE OR REPLACE FUNCTION accounting_invoice_guard() RETURNS trigger AS $$
DECLARE
    mutable text[] := ARRAY['state', 'payment_state', 'residual_amount', 'residual_company',
                            'cancel_entry_id', 'cancelled_on', 'updated_at'];
BEGIN
    IF OLD.state = 'draft' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION
            'tandem: invoice % (id %) is %; posted documents are never deleted, cancel or credit it instead',
            OLD.number, OLD.id, OLD.state
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (to_jsonb(NEW) - mutable) IS DISTINCT FROM (to_jsonb(OLD) - mutable)
        OR (NEW.state <> OLD.state AND NOT (OLD.state = 'posted' AND NEW.state = 'cancelled'))
    THEN
        RAISE EXCEPTION
            'tandem: invoice % (id %) is %; its number, party, dates, amounts and lines never change, credit or cancel it instead',
            OLD.number, OLD.id, OLD.state
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION accounting_payment_guard() RETURNS trigger AS $$
DECLARE
    mutable text[] := ARRAY['state', 'unallocated_amount', 'cancel_entry_id', 'cancelled_on',
                            'updated_at'];
BEGIN
    IF OLD.state = 'draft' THEN
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION
            'tandem: payment % (id %) is %; posted payments are never deleted, cancel it instead',
            OLD.number, OLD.id, OLD.state
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (to_jsonb(NEW) - mutable) IS DISTINCT FROM (to_jsonb(OLD) - mutable)
        OR (NEW.state <> OLD.state AND NOT (OLD.state = 'posted' AND NEW.state = 'cancelled'))
    THEN
        RAISE EXCEPTION
            'tandem: payment % (id %) is %; its number, party, date and amount never change, cancel it instead',
            OLD.number, OLD.id, OLD.state
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

-- lines, tax summary rows: refused when the invoice they belong to (before or after) is past draft
CREATE OR REPLACE FUNCTION accounting_invoice_part_guard() RETURNS trigger AS $$
DECLARE
    blocked bigint;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (
        SELECT 1 FROM accounting_invoice i WHERE i.id = OLD.invoice_id AND i.state <> 'draft'
    ) THEN
        blocked := OLD.invoice_id;
    END IF;
    IF blocked IS NULL AND TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (
        SELECT 1 FROM accounting_invoice i WHERE i.id = NEW.invoice_id AND i.state <> 'draft'
    ) THEN
        blocked := NEW.invoice_id;
    END IF;
    IF blocked IS NOT NULL THEN
        RAISE EXCEPTION
            'tandem: % of invoice id % refused; the lines of posted invoices never change, credit it instead',
            TG_TABLE_NAME, blocked
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION accounting_invoiceline_taxes_guard() RETURNS trigger AS $$
DECLARE
    line_id bigint;
BEGIN
    FOREACH line_id IN ARRAY ARRAY[
        CASE WHEN TG_OP <> 'INSERT' THEN OLD.invoiceline_id END,
        CASE WHEN TG_OP <> 'DELETE' THEN NEW.invoiceline_id END
    ] LOOP
        IF line_id IS NOT NULL AND EXISTS (
            SELECT 1 FROM accounting_invoiceline l
            JOIN accounting_invoice i ON i.id = l.invoice_id
            WHERE l.id = line_id AND i.state <> 'draft'
        ) THEN
            RAISE EXCEPTION
                'tandem: the taxes of invoice line % never change once its invoice is posted',
                line_id
                USING ERRCODE = 'restrict_violation';
        END IF;
    END LOOP;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION accounting_allocation_guard() RETURNS trigger AS $$
DECLARE
    payment_state text;
BEGIN
    IF OLD.payment_id IS NOT NULL THEN
        SELECT p.state INTO payment_state FROM accounting_payment p WHERE p.id = OLD.payment_id;
    END IF;
    IF payment_state = 'draft' THEN
        NULL;  -- a planned allocation of a draft payment
    ELSIF TG_OP = 'DELETE' AND payment_state = 'posted' AND EXISTS (
        SELECT 1 FROM accounting_payment p
        JOIN accounting_entry r ON r.reversal_of_id = p.entry_id
        WHERE p.id = OLD.payment_id
    ) THEN
        NULL;  -- the payment's cancellation moves it to the voided allocations
    ELSE
        RAISE EXCEPTION
            'tandem: allocation % is in force; it never changes, cancel the payment instead',
            OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS accounting_invoice_posted ON accounting_invoice;
CREATE TRIGGER accounting_invoice_posted
    BEFORE UPDATE OR DELETE ON accounting_invoice
    FOR EACH ROW EXECUTE FUNCTION accounting_invoice_guard();

DROP TRIGGER IF EXISTS accounting_invoiceline_posted ON accounting_invoiceline;
CREATE TRIGGER accounting_invoiceline_posted
    BEFORE INSERT OR UPDATE OR DELETE ON accounting_invoiceline
    FOR EACH ROW EXECUTE FUNCTION accounting_invoice_part_guard();

DROP TRIGGER IF EXISTS accounting_invoicetax_posted ON accounting_invoicetax;
CREATE TRIGGER accounting_invoicetax_posted
    BEFORE INSERT OR UPDATE OR DELETE ON accounting_invoicetax
    FOR EACH ROW EXECUTE FUNCTION accounting_invoice_part_guard();

DROP TRIGGER IF EXISTS accounting_invoiceline_taxes_posted ON accounting_invoiceline_taxes;
CREATE TRIGGER accounting_invoiceline_taxes_posted
    BEFORE INSERT OR UPDATE OR DELETE ON accounting_invoiceline_taxes
    FOR EACH ROW EXECUTE FUNCTION accounting_invoiceline_taxes_guard();

DROP TRIGGER IF EXISTS accounting_payment_posted ON accounting_payment;
CREATE TRIGGER accounting_payment_posted
    BEFORE UPDATE OR DELETE ON accounting_payment
    FOR EACH ROW EXECUTE FUNCTION accounting_payment_guard();

DROP TRIGGER IF EXISTS accounting_allocation_in_force ON accounting_allocation;
CREATE TRIGGER accounting_allocation_in_force
    BEFORE UPDATE OR DELETE ON accounting_allocation
    FOR EACH ROW EXECUTE FUNCTION accounting_allocation_guard();
"""

DROP = """
DROP TRIGGER IF EXISTS accounting_allocation_in_force ON accounting_allocation;
DROP TRIGGER IF EXISTS accounting_payment_posted ON accounting_payment;
DROP TRIGGER IF EXISTS accounting_invoiceline_taxes_posted ON accounting_invoiceline_taxes;
DROP TRIGGER IF EXISTS accounting_invoicetax_posted ON accounting_invoicetax;
DROP TRIGGER IF EXISTS accounting_invoiceline_posted ON accounting_invoiceline;
DROP TRIGGER IF EXISTS accounting_invoice_posted ON accounting_invoice;
DROP FUNCTION IF EXISTS accounting_allocation_guard();
DROP FUNCTION IF EXISTS accounting_invoiceline_taxes_guard();
DROP FUNCTION IF EXISTS accounting_invoice_part_guard();
DROP FUNCTION IF EXISTS accounting_payment_guard();
DROP FUNCTION IF EXISTS accounting_invoice_guard();
"""


def create_guards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARDS, params=None)


def drop_guards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounting", "0005_tax_defaults_party_rules")]

    operations = [migrations.RunPython(create_guards, drop_guards)]
