"""Catalog pages (thin: forms parse, services decide, queries read)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.core import panels
from tandem.core.audit import history_rows
from tandem.core.errors import DomainError
from tandem.core.exports import export_response
from tandem.core.middleware import request_has_perm
from tandem.core.views import company_view

from . import queries, services
from .forms import (
    CategoryForm,
    PriceCheckForm,
    PriceListForm,
    PriceListItemForm,
    ProductForm,
    UomCategoryForm,
    UomForm,
    add_domain_error,
)
from .models import PriceList, PriceListItem, Product, ProductCategory, ProductType, Uom

PAGE_SIZE = 50


def _perms(request) -> dict:
    names = {}
    for model in ("product", "productcategory", "uom", "pricelist"):
        for action in ("add", "change", "delete"):
            names[f"{action}_{model}"] = request_has_perm(request, f"catalog.{action}_{model}")
    return names


# -- products ------------------------------------------------------------------------------

SORTABLE = [
    ("sku", gettext_lazy("SKU")),
    ("name", gettext_lazy("Name")),
    ("type", gettext_lazy("Type")),
    ("list_price", gettext_lazy("List price")),
    ("cost_price", gettext_lazy("Cost price")),
]


def _product_filters(request) -> dict:
    get = request.GET
    category = get.get("category", "")
    active = get.get("active", "1")
    return {
        "search": get.get("q", "").strip()[:100],
        "type": get.get("type", "") if get.get("type", "") in ProductType.values else "",
        "category": int(category) if category.isdigit() else None,
        "active": {"1": True, "0": False}.get(active),
        "ordering": get.get("sort", "sku")
        if get.get("sort", "sku") in queries.PRODUCT_ORDERINGS
        else "sku",
    }


@company_view("catalog.view_product")
def product_list(request):
    company = request.company
    filters = _product_filters(request)
    products = queries.products_filtered(company, **filters).select_related("uom")
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    paths = queries.category_paths(company)
    rows = [(p, paths.get(p.category_id, "")) for p in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    columns = []
    for field, label in SORTABLE:
        current = filters["ordering"].lstrip("-") == field
        descending = filters["ordering"].startswith("-")
        columns.append(
            {
                "label": label,
                "sort": f"-{field}" if current and not descending else field,
                "arrow": ("▼" if descending else "▲") if current else "",
            }
        )
    context = {
        "page": page,
        "rows": rows,
        "filters": filters,
        "columns": columns,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "categories": sorted(paths.items(), key=lambda item: item[1].lower()),
        "types": ProductType.choices,
        "active": request.GET.get("active", "1"),
        "perms_catalog": _perms(request),
    }
    if request.htmx and not request.htmx.boosted:
        return render(request, "catalog/_product_table.html", context)
    return render(request, "catalog/product_list.html", context)


@company_view("catalog.view_product")
def product_export(request):
    company = request.company
    fmt = "xlsx" if request.GET.get("format") == "xlsx" else "csv"
    products = queries.products_filtered(company, **_product_filters(request))
    paths = queries.category_paths(company)
    types = dict(ProductType.choices)
    rows = (
        (
            sku,
            name,
            str(types.get(kind, kind)),
            paths.get(category_id, ""),
            uom,
            list_price,
            cost_price,
            barcode,
            _("yes") if active else _("no"),
        )
        for sku, name, kind, category_id, uom, list_price, cost_price, barcode, active in (
            products.values_list(
                "sku",
                "name",
                "type",
                "category_id",
                "uom__name",
                "list_price",
                "cost_price",
                "barcode",
                "active",
            ).iterator()
        )
    )
    headers = [
        _("SKU"),
        _("Name"),
        _("Type"),
        _("Category"),
        _("Unit of measure"),
        _("List price"),
        _("Cost price"),
        _("Barcode"),
        _("Active"),
    ]
    return export_response(fmt=fmt, filename="products", headers=headers, rows=rows)


def _product_of(request, pk) -> Product:
    return get_object_or_404(
        Product.objects.select_related("category", "uom", "purchase_uom", "company"),
        company=request.company,
        pk=pk,
    )


@company_view("catalog.view_product")
def product_detail(request, pk):
    product = _product_of(request, pk)
    quote, check_form = None, PriceCheckForm(product=product)
    if "quantity" in request.GET:
        check_form = PriceCheckForm(request.GET, product=product)
        if check_form.is_valid():
            data = check_form.cleaned_data
            try:
                quote = services.price_for(
                    product=product,
                    party=data["party"],
                    quantity=data["quantity"],
                    on_date=data["date"],
                    uom=data["uom"],
                    currency=data["currency"],
                )
            except DomainError as error:
                add_domain_error(check_form, error)
    context = {
        "product": product,
        "prices": queries.product_price_items(product),
        "check_form": check_form,
        "quote": quote,
        "history": history_rows(product),
        "perms_catalog": _perms(request),
    }
    if request.htmx and request.htmx.target == "price-check":
        return render(request, "catalog/_price_check.html", context)
    # sections higher apps register (analytics: "Bought together")
    context["panels"] = panels.render("product.detail", request, product)
    return render(request, "catalog/product_detail.html", context)


@company_view("catalog.add_product")
def product_create(request):
    form = ProductForm(request.POST or None, company=request.company)
    if request.method == "POST" and form.is_valid():
        try:
            product = services.product_create(company=request.company, **form.service_data())
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Product %(sku)s created.") % {"sku": product.sku})
            return redirect("catalog:product_detail", pk=product.pk)
    return render(request, "catalog/product_form.html", {"form": form, "product": None})


@company_view("catalog.change_product")
def product_edit(request, pk):
    product = _product_of(request, pk)
    form = ProductForm(request.POST or None, instance=product, company=request.company)
    if request.method == "POST" and form.is_valid():
        try:
            services.product_update(product=product, **form.service_data())
        except DomainError as error:
            add_domain_error(form, error)
            product = _product_of(request, pk)  # the refused changes were not saved
        else:
            messages.success(request, _("Product %(sku)s saved.") % {"sku": product.sku})
            return redirect("catalog:product_detail", pk=product.pk)
    return render(request, "catalog/product_form.html", {"form": form, "product": product})


@require_POST
@company_view("catalog.delete_product")
def product_delete(request, pk):
    product = _product_of(request, pk)
    try:
        services.product_delete(product=product)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("catalog:product_detail", pk=pk)
    messages.success(request, _("Product %(sku)s deleted.") % {"sku": product.sku})
    return redirect("catalog:product_list")


# -- categories ----------------------------------------------------------------------------


@company_view("catalog.view_productcategory")
def category_list(request):
    form = None
    if request_has_perm(request, "catalog.add_productcategory"):
        form = CategoryForm(request.POST or None, company=request.company)
        if request.method == "POST" and form.is_valid():
            try:
                category = services.category_create(company=request.company, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request, _("Category %(name)s added.") % {"name": category.full_path}
                )
                return redirect("catalog:category_list")
    elif request.method == "POST":
        raise PermissionDenied
    return render(
        request,
        "catalog/category_list.html",
        {
            "tree": queries.category_tree(request.company),
            "form": form,
            "perms_catalog": _perms(request),
        },
    )


@company_view("catalog.change_productcategory")
def category_edit(request, pk):
    category = get_object_or_404(ProductCategory, company=request.company, pk=pk)
    form = CategoryForm(request.POST or None, instance=category, company=request.company)
    if request.method == "POST" and form.is_valid():
        try:
            services.category_update(category=category, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Category saved."))
            return redirect("catalog:category_list")
    return render(request, "catalog/category_form.html", {"form": form, "category": category})


@require_POST
@company_view("catalog.delete_productcategory")
def category_delete(request, pk):
    category = get_object_or_404(ProductCategory, company=request.company, pk=pk)
    try:
        services.category_delete(category=category)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Category deleted."))
    return redirect("catalog:category_list")


# -- units of measure ----------------------------------------------------------------------


@company_view("catalog.view_uom")
def uom_list(request):
    can_add = request_has_perm(request, "catalog.add_uom")
    uom_form = category_form = None
    if can_add:
        uom_form = UomForm(
            request.POST if request.POST.get("form") == "uom" else None,
            company=request.company,
        )
        category_form = UomCategoryForm(
            request.POST if request.POST.get("form") == "category" else None,
            prefix="cat",
        )
    if request.method == "POST":
        if not can_add:
            raise PermissionDenied
        form = uom_form if request.POST.get("form") == "uom" else category_form
        if form.is_valid():
            try:
                if form is uom_form:
                    services.uom_create(company=request.company, **form.cleaned_data)
                else:
                    services.uom_category_create(company=request.company, **form.cleaned_data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Unit of measure saved."))
                return redirect("catalog:uom_list")
    return render(
        request,
        "catalog/uom_list.html",
        {
            "groups": queries.uoms_by_category(request.company),
            "uom_form": uom_form,
            "category_form": category_form,
            "perms_catalog": _perms(request),
        },
    )


@company_view("catalog.change_uom")
def uom_edit(request, pk):
    uom = get_object_or_404(Uom, company=request.company, pk=pk)
    form = UomForm(request.POST or None, instance=uom, company=request.company)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in form_disabled(form)}
        data.pop("category", None)
        try:
            services.uom_update(uom=uom, **data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Unit of measure saved."))
            return redirect("catalog:uom_list")
    return render(request, "catalog/uom_form.html", {"form": form, "uom": uom})


def form_disabled(form) -> set[str]:
    return {name for name, field in form.fields.items() if field.disabled}


@require_POST
@company_view("catalog.delete_uom")
def uom_delete(request, pk):
    uom = get_object_or_404(Uom, company=request.company, pk=pk)
    try:
        services.uom_delete(uom=uom)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Unit of measure deleted."))
    return redirect("catalog:uom_list")


# -- price lists ---------------------------------------------------------------------------


@company_view("catalog.view_pricelist")
def pricelist_list(request):
    price_lists = queries.price_lists_of(request.company)
    return render(
        request,
        "catalog/pricelist_list.html",
        {"price_lists": price_lists, "perms_catalog": _perms(request)},
    )


def _pricelist_of(request, pk) -> PriceList:
    return get_object_or_404(PriceList, company=request.company, pk=pk)


@company_view("catalog.view_pricelist")
def pricelist_detail(request, pk):
    price_list = _pricelist_of(request, pk)
    item_form = None
    if request_has_perm(request, "catalog.change_pricelist"):
        item_form = PriceListItemForm(company=request.company)
    return _pricelist_page(request, price_list, item_form)


def _pricelist_page(request, price_list, item_form, status=200):
    items = price_list.items.select_related("product").order_by(
        "product__sku", "min_quantity", "valid_from", "id"
    )
    return render(
        request,
        "catalog/pricelist_detail.html",
        {
            "price_list": price_list,
            "items": items,
            "parties": price_list.parties.order_by("name"),
            "item_form": item_form,
            "history": history_rows(price_list),
            "perms_catalog": _perms(request),
        },
        status=status,
    )


@require_POST
@company_view("catalog.change_pricelist")
def pricelist_item_add(request, pk):
    price_list = _pricelist_of(request, pk)
    form = PriceListItemForm(request.POST, company=request.company)
    if form.is_valid():
        try:
            services.price_list_item_add(price_list=price_list, **form.cleaned_data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Price added."))
            return redirect("catalog:pricelist_detail", pk=pk)
    return _pricelist_page(request, price_list, form, status=422)


@require_POST
@company_view("catalog.change_pricelist")
def pricelist_item_remove(request, pk, item_pk):
    item = get_object_or_404(PriceListItem, company=request.company, price_list_id=pk, pk=item_pk)
    services.price_list_item_remove(item=item)
    messages.success(request, _("Price removed."))
    return redirect("catalog:pricelist_detail", pk=pk)


def _pricelist_form_page(request, price_list):
    form = PriceListForm(request.POST or None, instance=price_list, company=request.company)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["parties"] = list(data["parties"])
        try:
            if price_list is None:
                price_list = services.price_list_create(company=request.company, **data)
            else:
                services.price_list_update(price_list=price_list, **data)
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("Price list saved."))
            return redirect("catalog:pricelist_detail", pk=price_list.pk)
    return render(request, "catalog/pricelist_form.html", {"form": form, "price_list": price_list})


@company_view("catalog.add_pricelist")
def pricelist_create(request):
    return _pricelist_form_page(request, None)


@company_view("catalog.change_pricelist")
def pricelist_edit(request, pk):
    return _pricelist_form_page(request, _pricelist_of(request, pk))


@require_POST
@company_view("catalog.delete_pricelist")
def pricelist_delete(request, pk):
    price_list = _pricelist_of(request, pk)
    try:
        services.price_list_delete(price_list=price_list)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("catalog:pricelist_detail", pk=pk)
    messages.success(request, _("Price list deleted."))
    return redirect("catalog:pricelist_list")
