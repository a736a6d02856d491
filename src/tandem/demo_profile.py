"""The demo company's profile: a Shanghai address, a valid USCC, a bank account and a logo
drawn with Pillow at load time, so every demo PDF is one a company would send."""

import io

from PIL import Image, ImageDraw

from tandem.core.profile import company_profile_update


def demo_logo() -> bytes:
    image = Image.new("RGB", (360, 120), "white")
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((4, 4, 116, 116), radius=18, fill=(22, 96, 160))
    draw.polygon([(30, 88), (60, 28), (90, 88)], fill="white")
    draw.rectangle((132, 44, 350, 56), fill=(22, 96, 160))
    draw.rectangle((132, 68, 300, 78), fill=(120, 160, 200))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def demo_profile(company) -> None:
    company_profile_update(
        company=company,
        legal_name_en="Tandem Demo Trading Co., Ltd.",
        legal_name_zh="坦德姆演示贸易有限公司",
        street="世纪大道1198号",
        street2="世纪汇广场1座18楼",
        city="浦东新区",
        state="上海市",
        postal_code="200122",
        tax_id="91310115MA1H7XK23W",
        phone="+86 21 6888 0000",
        email="finance@demo.tandem.example",
        website="demo.tandem.example",
        bank_accounts=[
            {
                "bank_name": "招商银行上海陆家嘴支行",
                "holder": "坦德姆演示贸易有限公司",
                "number": "121909876510801",
                "is_default": True,
            }
        ],
        logo=demo_logo(),
    )
