"""Helpers of the document PDF tests: a full company profile, a party with both addresses,
and the text layer of a PDF (pypdf)."""

import io
import os
import re
from pathlib import Path

from PIL import Image, ImageDraw
from pypdf import PdfReader

from tandem.core.profile import company_profile_update
from tandem.parties.models import Address

USCC = "91310115MA1H7XK23W"
BUYER_USCC = "91110000600037341L"


def logo_png() -> bytes:
    image = Image.new("RGB", (240, 80), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 79, 79), fill=(20, 90, 160))
    draw.text((95, 30), "ACME", fill=(20, 90, 160))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def full_profile(company):
    return company_profile_update(
        company=company,
        legal_name_en="Acme Trading (Shanghai) Co., Ltd.",
        legal_name_zh="艾克米贸易（上海）有限公司",
        street="世纪大道100号",
        street2="20楼",
        city="浦东新区",
        state="上海市",
        postal_code="200120",
        tax_id=USCC,
        phone="+86 21 5555 0100",
        email="billing@acme.example",
        website="acme.example",
        bank_accounts=[
            {
                "bank_name": "招商银行上海分行",
                "holder": "艾克米贸易（上海）有限公司",
                "number": "6225881234567890",
            }
        ],
        logo=logo_png(),
    )


def addresses(party):
    """A billing address in Beijing and a shipping address in Tianjin."""
    party.tax_id = BUYER_USCC
    party.country = "CN"
    party.save()
    Address.objects.create(
        company=party.company,
        party=party,
        kind="billing",
        street="建国路88号",
        city="朝阳区",
        state="北京市",
        postal_code="100022",
        country="CN",
        is_default=True,
    )
    Address.objects.create(
        company=party.company,
        party=party,
        kind="shipping",
        street="津塘路7号仓库",
        city="河东区",
        state="天津市",
        postal_code="300180",
        country="CN",
        is_default=True,
    )
    return party


def pdf_text(content: bytes, name: str = "") -> str:
    """The PDF's text layer, whitespace removed (fpdf2 places words cell by cell)."""
    dump = os.environ.get("TANDEM_PDF_DUMP")
    if dump and name:  # for looking at the documents: TANDEM_PDF_DUMP=/some/dir pytest ...
        Path(dump).mkdir(parents=True, exist_ok=True)
        (Path(dump) / f"{name}.pdf").write_bytes(content)
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"[\s\x00]+", "", text)


def squeezed(text: str) -> str:
    return re.sub(r"[\s\x00]+", "", text)
