"""REST endpoints of the party master (see API.md): thin, services do the work."""

from typing import Literal

from ninja import Query, Router, Status

from tandem.api.context import company_of, get_scoped, page_of, paginate, require_perm
from tandem.core.errors import NotFound

from . import queries, services
from .models import Address, Contact, Party, PaymentTerm, Tag
from .schemas import (
    AddressIn,
    AddressOut,
    AddressPatch,
    ContactIn,
    ContactOut,
    ContactPatch,
    PartyIn,
    PartyOut,
    PartyPatch,
    PaymentTermIn,
    PaymentTermOut,
    TagIn,
    TagOut,
)

router = Router()

Ordering = Literal["name", "-name", "created_at", "-created_at", "country", "-country"]


def _party(request, party_id) -> Party:
    return get_scoped(Party, request, party_id, label="party")


def _party_out(request, party_id) -> Party:
    """The party with everything its JSON shows, fetched in a fixed number of queries."""
    try:
        party = queries.party_detail(company_of(request), party_id)
    except (OverflowError, ValueError, TypeError):
        party = None
    if party is None:
        raise NotFound(f"No party with id {party_id}", code="party.not_found")
    return party


# -- parties ---------------------------------------------------------------------------------


@router.get("/parties", response=page_of(PartyOut), tags=["parties"], summary="List parties")
def party_list(
    request,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    search: str = Query("", max_length=200, description="name, email, phone, tax id, contact"),
    role: Literal["customer", "supplier"] | None = None,
    is_customer: bool | None = None,
    is_supplier: bool | None = None,
    country: str = Query("", max_length=2),
    tag: str = Query("", max_length=50),
    active: bool | None = None,
    ordering: Ordering = "name",
):
    require_perm(request, "parties.view_party")
    qs = queries.parties_filtered(
        company_of(request),
        search=search,
        role=role or "",
        is_customer=is_customer,
        is_supplier=is_supplier,
        country=country,
        tag=tag,
        active=active,
        ordering=ordering,
    )
    return paginate(queries.with_related(qs), limit=limit, offset=offset)


@router.post("/parties", response={201: PartyOut}, tags=["parties"], summary="Create a party")
def party_add(request, payload: PartyIn, allow_duplicate: bool = False):
    """409 `party.duplicate` with `existing_id` if the tax id or email is already on a party
    of the company; repeat with `?allow_duplicate=true` to create it anyway."""
    require_perm(request, "parties.add_party")
    party = services.party_create(
        company=company_of(request), allow_duplicate=allow_duplicate, **payload.dict()
    )
    return Status(201, _party_out(request, party.pk))


@router.get("/parties/{party_id}", response=PartyOut, tags=["parties"])
def party_read(request, party_id: int):
    require_perm(request, "parties.view_party")
    return _party_out(request, party_id)


@router.patch("/parties/{party_id}", response=PartyOut, tags=["parties"])
def party_update(request, party_id: int, payload: PartyPatch, allow_duplicate: bool = False):
    require_perm(request, "parties.change_party")
    party = _party(request, party_id)
    services.party_update(
        party=party, allow_duplicate=allow_duplicate, **payload.dict(exclude_unset=True)
    )
    return _party_out(request, party.pk)


@router.delete("/parties/{party_id}", response={204: None}, tags=["parties"])
def party_delete(request, party_id: int):
    """Deletes the party with its contacts and addresses; 409 `party.in_use` if documents
    refer to it (archive it with `active: false` instead)."""
    require_perm(request, "parties.delete_party")
    services.party_delete(party=_party(request, party_id))
    return Status(204, None)


# -- contacts --------------------------------------------------------------------------------


def _contact(request, party_id, contact_id) -> Contact:
    party = _party(request, party_id)
    return get_scoped(Contact.objects.filter(party=party), request, contact_id, label="contact")


@router.get("/parties/{party_id}/contacts", response=page_of(ContactOut), tags=["parties"])
def contact_list(
    request,
    party_id: int,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    require_perm(request, "parties.view_party")
    party = _party(request, party_id)
    qs = Contact.objects.filter(party=party).order_by("-is_primary", "name", "id")
    return paginate(qs, limit=limit, offset=offset)


@router.post("/parties/{party_id}/contacts", response={201: ContactOut}, tags=["parties"])
def contact_add(request, party_id: int, payload: ContactIn):
    require_perm(request, "parties.change_party")
    contact = services.contact_create(party=_party(request, party_id), **payload.dict())
    return Status(201, contact)


@router.get("/parties/{party_id}/contacts/{contact_id}", response=ContactOut, tags=["parties"])
def contact_read(request, party_id: int, contact_id: int):
    require_perm(request, "parties.view_party")
    return _contact(request, party_id, contact_id)


@router.patch("/parties/{party_id}/contacts/{contact_id}", response=ContactOut, tags=["parties"])
def contact_update(request, party_id: int, contact_id: int, payload: ContactPatch):
    require_perm(request, "parties.change_party")
    contact = _contact(request, party_id, contact_id)
    return services.contact_update(contact=contact, **payload.dict(exclude_unset=True))


@router.delete("/parties/{party_id}/contacts/{contact_id}", response={204: None}, tags=["parties"])
def contact_delete(request, party_id: int, contact_id: int):
    require_perm(request, "parties.change_party")
    services.contact_delete(contact=_contact(request, party_id, contact_id))
    return Status(204, None)


# -- addresses -------------------------------------------------------------------------------


def _address(request, party_id, address_id) -> Address:
    party = _party(request, party_id)
    return get_scoped(Address.objects.filter(party=party), request, address_id, label="address")


@router.get("/parties/{party_id}/addresses", response=page_of(AddressOut), tags=["parties"])
def address_list(
    request,
    party_id: int,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    require_perm(request, "parties.view_party")
    party = _party(request, party_id)
    qs = Address.objects.filter(party=party).order_by("kind", "-is_default", "id")
    return paginate(qs, limit=limit, offset=offset)


@router.post("/parties/{party_id}/addresses", response={201: AddressOut}, tags=["parties"])
def address_add(request, party_id: int, payload: AddressIn):
    require_perm(request, "parties.change_party")
    address = services.address_create(party=_party(request, party_id), **payload.dict())
    return Status(201, address)


@router.get("/parties/{party_id}/addresses/{address_id}", response=AddressOut, tags=["parties"])
def address_read(request, party_id: int, address_id: int):
    require_perm(request, "parties.view_party")
    return _address(request, party_id, address_id)


@router.patch("/parties/{party_id}/addresses/{address_id}", response=AddressOut, tags=["parties"])
def address_update(request, party_id: int, address_id: int, payload: AddressPatch):
    require_perm(request, "parties.change_party")
    address = _address(request, party_id, address_id)
    return services.address_update(address=address, **payload.dict(exclude_unset=True))


@router.delete("/parties/{party_id}/addresses/{address_id}", response={204: None}, tags=["parties"])
def address_delete(request, party_id: int, address_id: int):
    require_perm(request, "parties.change_party")
    services.address_delete(address=_address(request, party_id, address_id))
    return Status(204, None)


# -- tags and payment terms ------------------------------------------------------------------


@router.get("/party-tags", response=page_of(TagOut), tags=["parties"])
def tag_list(
    request,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    search: str = Query("", max_length=50),
):
    require_perm(request, "parties.view_tag")
    qs = Tag.objects.filter(company=company_of(request))
    if search:
        qs = qs.filter(name__icontains=search)
    return paginate(qs.order_by("name", "id"), limit=limit, offset=offset)


@router.post("/party-tags", response={201: TagOut}, tags=["parties"])
def tag_add(request, payload: TagIn):
    require_perm(request, "parties.add_tag")
    return Status(201, services.tag_create(company=company_of(request), **payload.dict()))


@router.get("/payment-terms", response=page_of(PaymentTermOut), tags=["parties"])
def payment_term_list(
    request,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
):
    require_perm(request, "parties.view_paymentterm")
    qs = PaymentTerm.objects.filter(company=company_of(request)).order_by("due_days", "name")
    return paginate(qs, limit=limit, offset=offset)


@router.post("/payment-terms", response={201: PaymentTermOut}, tags=["parties"])
def payment_term_add(request, payload: PaymentTermIn):
    require_perm(request, "parties.add_paymentterm")
    term = services.payment_term_create(company=company_of(request), **payload.dict())
    return Status(201, term)
