"""Addresses on documents read in the order of their own script, whatever the document's
language: a Chinese document for an American customer still writes the street first."""

from tandem.core.documents.layout import address_lines


def test_a_chinese_address_reads_from_the_province_down_in_both_languages():
    for language in ("zh-hans", "en"):
        lines = address_lines(
            street="世纪大道100号",
            city="浦东新区",
            state="上海市",
            postal_code="200120",
            country="CN",
            language=language,
            home_country="CN",
        )
        assert lines[0] == "上海市浦东新区世纪大道100号"
        assert lines[-1].endswith("200120")


def test_an_american_address_on_a_chinese_document_keeps_its_own_order():
    lines = address_lines(
        street="693 Garcia Shores",
        city="Phillipsfort",
        state="MA",
        postal_code="02755",
        country="US",
        language="zh-hans",
        home_country="CN",
    )
    assert lines == ["693 Garcia Shores", "Phillipsfort, MA 02755", "美国"]


def test_a_european_address_puts_the_postal_code_before_the_city():
    lines = address_lines(
        street="Unter den Linden 5",
        city="Berlin",
        postal_code="10117",
        country="DE",
        language="en",
        home_country="CN",
    )
    assert lines == ["Unter den Linden 5", "10117 Berlin", "Germany"]


def test_a_chinese_address_on_an_english_document_names_the_country_last():
    lines = address_lines(
        street="建国路88号",
        city="朝阳区",
        state="北京市",
        postal_code="100022",
        country="CN",
        language="en",
        home_country="",
    )
    assert lines == ["北京市朝阳区建国路88号", "Postal code 100022", "China"]
