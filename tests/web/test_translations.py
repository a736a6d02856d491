from tandem.core import i18n


def test_every_ui_string_has_a_chinese_translation():
    gaps = i18n.missing()
    assert gaps == [], (
        f"{len(gaps)} strings lack a zh-hans translation; run "
        "`python -m tandem.core.i18n update`, translate, then `... compile`: "
        f"{gaps[:20]}"
    )


def test_compiled_catalog_is_up_to_date():
    assert i18n.MO_PATH.exists()
    assert i18n.MO_PATH.read_bytes() == i18n.compiled(), (
        "django.mo is stale: run `python -m tandem.core.i18n compile`"
    )


def test_extraction_finds_template_and_python_strings():
    messages = {msgid for msgid, _context in i18n.extract()}
    assert "Log in to Tandem" in messages  # {% translate %} in a template
    assert "API token revoked." in messages  # gettext() in views.py
    assert any("is not built yet" in m for m in messages if isinstance(m, str))


def test_plural_blocks_become_plural_entries():
    messages = {msgid for msgid, _context in i18n.extract()}
    assert ("%(counter)s party", "%(counter)s parties") in messages
