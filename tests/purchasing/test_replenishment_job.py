"""`POST /replenishment/run?async=true`: the run as a job (202), its result and its errors."""

from tandem.core.models import Job
from tandem.purchasing.models import PurchaseOrder


def _rule(api, supplier, widget, warehouse):
    api.post("/supplier-prices", {"supplier": supplier.pk, "product": widget.pk, "price": "8"})
    answer = api.post(
        "/reorder-rules",
        {
            "product": widget.pk,
            "warehouse": warehouse.pk,
            "min_quantity": "10",
            "max_quantity": "25",
        },
    )
    assert answer.status_code == 201, answer.content


def test_async_run_answers_202_with_the_job_and_the_job_makes_the_draft(
    api, supplier, widget, warehouse, django_capture_on_commit_callbacks
):
    _rule(api, supplier, widget, warehouse)

    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post("/replenishment/run?async=true", {"warehouse": warehouse.pk})

    assert answer.status_code == 202, answer.content
    started = answer.json()
    assert (started["kind"], started["state"]) == ("purchasing.replenishment", "queued")
    order = PurchaseOrder.objects.get()
    job = api.get(f"/jobs/{started['id']}").json()
    assert (job["state"], job["progress"], job["done"], job["total"]) == ("done", 100, 1, 1)
    assert job["result"]["orders"] == [order.pk]
    assert job["result"]["count"] == 1
    assert job["errors"] == []


def test_async_run_refuses_another_companys_warehouse_before_starting(
    api, other_company, django_capture_on_commit_callbacks
):
    from tandem.inventory.services import warehouse_create

    foreign = warehouse_create(company=other_company, code="FX", name="Foreign")

    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post("/replenishment/run?async=true", {"warehouse": foreign.pk})

    assert answer.status_code == 422
    assert answer.json()["code"] == "reference.invalid"
    assert not Job.objects.exists()
    assert not PurchaseOrder.objects.exists()


def test_sync_run_still_answers_200_with_the_drafts(api, supplier, widget, warehouse):
    _rule(api, supplier, widget, warehouse)

    answer = api.post("/replenishment/run", {})

    assert answer.status_code == 200
    assert answer.json()["count"] == 1
    assert not Job.objects.exists()
