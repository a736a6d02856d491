"""The font of every PDF: a CJK font when one is installed, so Chinese and Latin text share it.

The font is not shipped with Tandem: it is looked up among installed system fonts (Debian's
fonts-noto-cjk, else fonts-wqy-zenhei / -microhei, else arphic), or at the path named by
TANDEM_PDF_FONT. Without one, the PDF falls back to a core font and Chinese text becomes "?"
rather than failing.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)
FAMILY = "tandem-cjk"


@lru_cache(maxsize=4)
def _collection_index(path: str) -> int:
    """The face of a TrueType collection that is Simplified Chinese (SC), else the first."""
    if not path.lower().endswith(".ttc"):
        return 0
    try:
        from fontTools.ttLib import TTCollection

        with TTCollection(path, lazy=True) as collection:
            for index, face in enumerate(collection.fonts):
                name = face["name"].getDebugName(4) or ""
                if " SC" in name or "简" in name:
                    return index
    except Exception:  # an unreadable collection: fpdf2 will say so when it loads it
        return 0
    return 0


def cjk_font() -> tuple[str, int] | None:
    """(path, face index) of the CJK font to embed, or None when none is installed."""
    configured = os.environ.get("TANDEM_PDF_FONT", "").strip()
    for path in ((configured,) if configured else ()) + FONT_CANDIDATES:
        if path and Path(path).is_file():
            return path, _collection_index(path)
    return None


def cjk_bold_font() -> tuple[str, int] | None:
    """The bold face beside the regular one (Noto ships both), else None: bold is then faked
    by size alone."""
    regular = cjk_font()
    if regular is None or "Regular" not in Path(regular[0]).name:
        return None
    bold = Path(regular[0]).with_name(Path(regular[0]).name.replace("Regular", "Bold"))
    return (str(bold), _collection_index(str(bold))) if bold.is_file() else None
