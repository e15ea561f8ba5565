"""What every printed page carries, for the pack's PDF and the print views of the lists: the
marking at its top and bottom, what it is and for which day or month, when and by whom it was
produced, and "page N of M" (CSS page margin boxes, which Chromium prints)."""

from __future__ import annotations

import re

MARKING = "OFFICIAL-SENSITIVE"


def css_string(text: str) -> str:
    """``text`` as a CSS string literal: anything but plain characters is escaped, so no
    name or filter can close the string or the rule."""
    escaped = "".join(
        ch if ch.isalnum() or ch in " ,.:;-()/&'" else f"\\{ord(ch):x} " for ch in text
    )
    return f'"{escaped}"'


def page_rules(what: str, produced: str, size: str = "A4") -> str:
    """An ``@page`` rule: ``size`` (e.g. "A4 landscape"), the marking top left and bottom left,
    ``what`` top right, ``produced`` bottom centre, "page N of M" bottom right."""
    marking = css_string(MARKING)
    small = "font: 8pt 'DejaVu Sans', sans-serif; color: #333;"
    bold = "font: bold 8.5pt 'DejaVu Sans', sans-serif; letter-spacing: .1em;"
    return f"""
@page {{
  size: {size}; margin: 18mm 12mm 18mm 12mm;
  @top-left {{ content: {marking}; {bold} }}
  @top-right {{ content: {css_string(what)}; {small} }}
  @bottom-left {{ content: {marking}; {bold} }}
  @bottom-center {{ content: {css_string(produced)}; {small} }}
  @bottom-right {{ content: "page " counter(page) " of " counter(pages); {small} }}
}}"""


# The longest run of characters without a space a printed cell keeps whole.
UNBROKEN = 30
# A run is what a browser cannot break: no space, or only spaces that glue (no-break, figure
# and narrow no-break spaces: pasted from Word or a web form, they kept a 406-character team
# whole and the pack's figure columns went off the page again).
_LONG_RUN = re.compile(rf"(?:[^\s\u200b]|[\u00a0\u2007\u202f]){{{UNBROKEN + 1},}}")


def breakable(text: str) -> str:
    """``text`` with a zero-width space after every ``UNBROKEN`` characters of a longer run
    without a space: a table column is as wide as its longest word, and a team name of 409
    characters with no space pushed every column after it off the page (an adversarial pass,
    session 17). Ordinary words are left as they are."""
    return _LONG_RUN.sub(
        lambda m: "\u200b".join(
            m.group()[i : i + UNBROKEN] for i in range(0, len(m.group()), UNBROKEN)
        ),
        text,
    )
