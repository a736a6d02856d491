"""The board's drop on the won column offers what the Win button offers: the board carries a
win dialog posting the opportunity's win form, and the script reads the opportunity page's
own win form to know whether a draft order is on offer. (Checked end to end in chromium by
hand against a served demo; these tests hold the markup the script relies on.)"""

import re

from tandem.catalog.services import product_create


def test_the_board_carries_the_win_dialog_and_each_cards_win_url(
    web, owner, stages, make_party, make_opportunity
):
    party = make_party("Lotus Foods")
    opp = make_opportunity("Fleet renewal", party=party, stage=stages["Qualified"], owner=owner)

    page = web.get("/crm/opportunities/board/").content.decode()

    assert 'id="win-dialog"' in page and 'id="win-form"' in page
    assert f'data-stage="{stages["Won"].pk}" data-lost="0" data-won="1"' in page
    assert f'data-stage="{stages["Lost"].pk}" data-lost="1" data-won="0"' in page
    assert f'data-win-url="/crm/opportunities/{opp.pk}/win/"' in page
    assert f'data-detail-url="/crm/opportunities/{opp.pk}/"' in page
    # the card's own form (no script) moves between open stages only: closing is a choice
    # made on the opportunity page (order) or in the lost dialog (reason)
    options = re.findall(
        r'<option value="(\d+)"', page.split('id="move-', 1)[1].split("</select>")[0]
    )
    assert str(stages["Won"].pk) not in options and str(stages["Lost"].pk) not in options
    assert str(stages["Proposal"].pk) in options


def test_the_opportunity_page_has_the_win_form_the_script_looks_for(
    web, company, owner, make_party, make_opportunity
):
    party = make_party("Lotus Foods")
    product = product_create(
        company=company, sku="G01", name="Goods", type="goods", list_price="80"
    )
    with_goods = make_opportunity("Fleet renewal", party=party, owner=owner, products=[product])
    without = make_opportunity("Office refit", party=party, owner=owner)

    offered = web.get(f"/crm/opportunities/{with_goods.pk}/").content.decode()
    plain = web.get(f"/crm/opportunities/{without.pk}/").content.decode()

    form = f'action="/crm/opportunities/{with_goods.pk}/win/"'
    assert (
        form in offered and 'name="create_order"' in offered.split(form, 1)[1].split("</form>")[0]
    )
    form = f'action="/crm/opportunities/{without.pk}/win/"'
    assert (
        form in plain and 'name="create_order"' not in plain.split(form, 1)[1].split("</form>")[0]
    )


def test_board_js_offers_the_win_on_a_won_drop_without_a_cdn(web):
    response = web.get("/static/crm/board.js")
    body = b"".join(response.streaming_content).decode()
    code = body.split("*/", 1)[1]
    assert 'dataset.won === "1"' in code and "offerWin(card)" in code
    assert "DOMParser" in code and "create_order" in code
    assert "http" not in code
