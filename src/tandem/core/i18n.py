"""Keep the zh-hans catalog complete without GNU gettext on the machine.

`python -m tandem.core.i18n update` extracts every UI string (Python gettext calls and the
template translate tags) into locale/zh_Hans/LC_MESSAGES/django.po, keeping existing
translations; `... compile` writes the .mo Django reads; `... check` lists what is missing.
The test suite runs the same extraction, so a string without a translation fails a test.
"""

import ast
import re
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PACKAGE = Path(__file__).resolve().parent.parent
LOCALE = "zh_Hans"
PO_PATH = PACKAGE / "locale" / LOCALE / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy"}
PLURAL_NAMES = {"ngettext", "ngettext_lazy"}

_TRANSLATE_TAG = re.compile(
    r"""{%\s*(?:translate|trans)\s+(?P<q>["'])(?P<msg>.*?)(?P=q)(?:\s+[^%]*)?%}""", re.S
)
_BLOCK_TAG = re.compile(
    r"{%\s*(?:blocktranslate|blocktrans)(?P<opts>[^%]*)%}(?P<body>.*?)"
    r"{%\s*(?:endblocktranslate|endblocktrans)\s*%}",
    re.S,
)
_VAR = re.compile(r"{{\s*([\w.]+)\s*}}")


def _block_msgid(opts: str, body: str) -> str:
    if "trimmed" in opts.split():
        body = " ".join(line.strip() for line in body.strip().splitlines() if line.strip())
    body = body.replace("%", "%%")
    return _VAR.sub(lambda m: f"%({m.group(1)})s", body)


_PLURAL_TAG = re.compile(r"{%\s*plural\s*%}")


def _template_messages(text: str):
    for match in _TRANSLATE_TAG.finditer(text):
        yield match.group("msg"), None
    for match in _BLOCK_TAG.finditer(text):
        opts = match.group("opts")
        forms = _PLURAL_TAG.split(match.group("body"))
        if len(forms) == 2:  # {% blocktranslate count ... %}one{% plural %}many
            yield tuple(_block_msgid(opts, form) for form in forms), None
        else:
            yield _block_msgid(opts, match.group("body")), None


def _python_messages(text: str):
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        args = node.args
        if name in GETTEXT_NAMES:
            index = 1 if name.startswith("pgettext") else 0
            if (
                len(args) > index
                and isinstance(args[index], ast.Constant)
                and isinstance(args[index].value, str)
            ):
                context = args[0].value if index else None
                yield args[index].value, context
        elif (
            name in PLURAL_NAMES
            and len(args) >= 2
            and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args[:2])
        ):
            yield (args[0].value, args[1].value), None


def extract(root: Path = PACKAGE) -> dict:
    """msgid (or (singular, plural)) -> (context, sorted locations)."""
    found: dict = {}
    for path in sorted(root.rglob("*")):
        if "migrations" in path.parts or not path.is_file():
            continue
        if path.suffix == ".html":
            messages = _template_messages(path.read_text(encoding="utf-8"))
        elif path.suffix == ".py":
            messages = _python_messages(path.read_text(encoding="utf-8"))
        else:
            continue
        for msgid, context in messages:
            if not msgid or (isinstance(msgid, str) and not msgid.strip()):
                continue
            entry = found.setdefault((msgid, context), set())
            entry.add(str(path.relative_to(root)))
    return found


def load() -> Catalog:
    if PO_PATH.exists():
        with PO_PATH.open("rb") as handle:
            return read_po(handle, locale=LOCALE)
    return Catalog(locale=LOCALE, domain="django", project="Tandem")


def missing(catalog: Catalog | None = None) -> list:
    catalog = catalog or load()
    gaps = []
    for msgid, context in extract():
        message = catalog.get(msgid, context=context)
        if message is None or message.fuzzy:
            gaps.append(msgid)
            continue
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        if not all(strings):
            gaps.append(msgid)
    return gaps


def update() -> int:
    catalog = load()
    new = Catalog(
        locale=LOCALE,
        domain="django",
        project="Tandem",
        charset="utf-8",
        fuzzy=False,
        copyright_holder="the Tandem authors",
    )
    for (msgid, context), locations in sorted(extract().items(), key=lambda kv: str(kv[0])):
        old = catalog.get(msgid, context=context)
        string = old.string if old is not None else ("", "") if isinstance(msgid, tuple) else ""
        new.add(msgid, string, locations=[(loc, 0) for loc in sorted(locations)], context=context)
    PO_PATH.parent.mkdir(parents=True, exist_ok=True)
    with PO_PATH.open("wb") as handle:
        write_po(handle, new, width=100, omit_header=False, include_lineno=False)
    return len(missing(new))


def compiled() -> bytes:
    import io

    with PO_PATH.open("rb") as handle:
        catalog = read_po(handle, locale=LOCALE)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def compile_mo() -> None:
    MO_PATH.write_bytes(compiled())


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "update":
        gaps = update()
        print(f"{PO_PATH}: {gaps} untranslated")
        return 0
    if command == "compile":
        compile_mo()
        print(f"wrote {MO_PATH}")
        return 0
    gaps = missing()
    for msgid in gaps:
        print(f"missing: {msgid!r}")
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
