"""Input that reaches Python or the database unchecked: ids read from a page's query string
or form, and dates or numbers too large to hold."""

from django.http import Http404

# The largest primary key both databases store (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def id_param(raw) -> int | None:
    """`raw` as a row id; None when blank. Anything else is a 404 for the page, as an unknown
    id would be: the database would refuse letters or an overflowing number with a 500."""
    if raw is None or raw == "":
        return None
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or int(text) > MAX_ID:
        raise Http404("No such record")
    return int(text)


def out_of_range(exception) -> bool:
    """Python's refusal of a date or number that does not fit (``year 10000 is out of
    range``, ``date value out of range``, an int too large for SQLite): bad input, a 4xx."""
    if isinstance(exception, OverflowError):
        return True
    return isinstance(exception, ValueError) and "out of range" in str(exception)
