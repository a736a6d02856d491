import pytest

from tandem.catalog import services
from tandem.catalog.models import ProductCategory
from tandem.core.errors import DomainError


@pytest.fixture
def tree(company):
    root = services.category_create(company=company, name="All")
    furniture = services.category_create(company=company, name="Furniture", parent=root)
    chairs = services.category_create(company=company, name="Chairs", parent=furniture)
    return root, furniture, chairs


def test_full_path_names_every_parent(tree):
    _root, _furniture, chairs = tree
    assert chairs.full_path == "All / Furniture / Chairs"


def test_moving_a_category_under_its_own_descendant_is_refused(tree):
    root, furniture, chairs = tree

    with pytest.raises(DomainError) as refused:
        services.category_update(category=furniture, parent=chairs)

    assert refused.value.code == "category.cycle"
    assert refused.value.errors == [{"field": "parent", "message": refused.value.message}]
    assert ProductCategory.objects.get(pk=furniture.pk).parent_id == root.pk


def test_a_category_cannot_be_its_own_parent(tree):
    _root, furniture, _chairs = tree

    with pytest.raises(DomainError) as refused:
        services.category_update(category=furniture, parent=furniture)

    assert refused.value.code == "category.cycle"


def test_names_are_unique_per_parent(company, tree):
    root, furniture, _chairs = tree

    with pytest.raises(DomainError) as refused:
        services.category_create(company=company, name="chairs", parent=furniture)
    assert refused.value.code == "category.duplicate"

    # the same name under another parent is fine
    services.category_create(company=company, name="Chairs", parent=root)
    assert ProductCategory.objects.filter(company=company, name="Chairs").count() == 2


def test_root_names_are_unique(company, tree):
    with pytest.raises(DomainError) as refused:
        services.category_create(company=company, name="All")
    assert refused.value.code == "category.duplicate"
    assert ProductCategory.objects.filter(company=company, parent=None).count() == 1


def test_subcategories_inherit_the_valuation(company):
    parent = services.category_create(company=company, name="Metals", valuation="fifo")
    child = services.category_create(company=company, name="Copper", parent=parent)
    assert child.valuation == "fifo"


def test_a_category_with_products_or_children_is_not_deleted(company, tree, make_product):
    _root, furniture, chairs = tree
    make_product("CH-1", category=chairs)

    for category in (furniture, chairs):
        with pytest.raises(DomainError) as refused:
            services.category_delete(category=category)
        assert refused.value.code == "category.in_use"
    assert ProductCategory.objects.filter(company=company).count() == 3


def test_category_api(api, company, other_company, tree):
    root, furniture, chairs = tree
    foreign = services.category_create(company=other_company, name="Theirs")

    listed = api.get("/product-categories", {"search": "chairs"}).json()
    assert listed["count"] == 1
    assert listed["items"][0]["full_path"] == "All / Furniture / Chairs"
    assert listed["items"][0]["parent"] == furniture.pk

    created = api.post("/product-categories", {"name": "Tables", "parent": furniture.pk})
    assert created.status_code == 201
    assert created.json()["full_path"] == "All / Furniture / Tables"

    cycle = api.patch(f"/product-categories/{root.pk}", {"parent": chairs.pk})
    assert cycle.status_code == 422
    assert cycle.json()["code"] == "category.cycle"
    assert cycle.json()["errors"][0]["field"] == "parent"

    foreign_parent = api.post("/product-categories", {"name": "X", "parent": foreign.pk})
    assert foreign_parent.status_code == 422
    assert foreign_parent.json()["errors"][0]["field"] == "parent"

    assert api.get(f"/product-categories/{foreign.pk}").status_code == 404

    to_root = api.patch(f"/product-categories/{chairs.pk}", {"parent": None})
    assert to_root.status_code == 200
    assert to_root.json()["full_path"] == "Chairs"

    busy = api.delete(f"/product-categories/{root.pk}")
    assert busy.status_code == 409
    assert busy.json()["code"] == "category.in_use"
    assert api.delete(f"/product-categories/{chairs.pk}").status_code == 204
    assert not ProductCategory.objects.filter(pk=chairs.pk).exists()
    assert ProductCategory.objects.filter(company=company).count() == 3
