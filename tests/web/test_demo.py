from django.db import transaction

from tandem.accounting.models import Account
from tandem.catalog.models import PriceList, Product
from tandem.cli import main
from tandem.core.integrity import run_all
from tandem.core.models import Company
from tandem.demo import load_demo
from tandem.parties.models import Address, Contact, Party


class Rollback(Exception):
    pass


def _load_and_read(seed):
    try:
        with transaction.atomic():
            load_demo(size="small", seed=seed)
            names = list(
                Party.objects.filter(company__code="DEMO")
                .order_by("id")
                .values_list("name", "tax_id", "email")
            )
            raise Rollback
    except Rollback:
        return names


def test_small_demo_is_a_coherent_company(db):
    summary = load_demo(size="small", seed=1)
    demo = Company.objects.get(code="DEMO")

    assert summary["parties"] == 80
    # qualified demo leads add their parties on top of the 80 generated ones
    assert Party.objects.filter(company=demo).count() >= 80
    # the catalog's 60, and the lot-tracked compressor whose complaints the service demo traces
    assert Product.objects.filter(company=demo).count() == 61
    assert Product.objects.filter(company=demo, sku="SRV-C200", tracking="lot").exists()
    parties = Party.objects.filter(company=demo)
    assert parties.filter(is_customer=True).exists() and parties.filter(is_supplier=True).exists()
    assert parties.filter(country="CN").exists() and parties.exclude(country="CN").exists()
    assert Contact.objects.filter(company=demo).count() >= 40
    assert Address.objects.filter(company=demo, kind="shipping").count() == 80
    assert PriceList.objects.filter(company=demo, is_default=True).count() == 2
    assert Account.objects.get(company=demo, code="1122").role == "receivable"
    assert Account.objects.filter(company__code="DEMO-US", role="receivable").exists()
    assert run_all().ok, run_all().render()


def test_demo_tax_ids_and_phones_pass_the_validators(db):
    import phonenumbers
    from stdnum.cn import uscc

    load_demo(size="small", seed=2)
    cn_orgs = Party.objects.filter(company__code="DEMO", country="CN", kind="organization").exclude(
        tax_id=""
    )
    assert cn_orgs.exists()
    for tax_id, phone in cn_orgs.values_list("tax_id", "phone"):
        assert uscc.is_valid(tax_id), tax_id
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone)), phone


def test_demo_is_deterministic_by_seed(db):
    assert _load_and_read(5) == _load_and_read(5)
    assert _load_and_read(5) != _load_and_read(6)


def test_demo_command_twice_changes_nothing(db, capsys):
    main(["demo", "--size", "small", "--seed", "1"])
    count = Party.objects.count()
    main(["demo", "--size", "small", "--seed", "1"])
    assert Party.objects.count() == count
