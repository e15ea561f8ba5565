"""Secrets never leave a source URL: passwords are refused on the way in (etl/sources.py) and
any URL is redacted before it is stored, logged or shown."""

from __future__ import annotations

import re

# Query parameters that carry a secret, or name a file of them (libpq's passfile).
SECRET_PARAM = re.compile(r"pass|pwd|secret|token", re.IGNORECASE)
_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.\-]*://[^:/@\s?#]*):[^\s/?#]*@", re.IGNORECASE)
_QUERY = re.compile(r"([?&;][^=&;\s?#]*(?:pass|pwd|secret|token)[^=&;\s?#]*=)[^&;\s#'\"]*", re.I)


def redact(text: str) -> str:
    """``text`` with every URL password and secret-looking query value replaced by ``***``."""
    return _QUERY.sub(r"\1***", _USERINFO.sub(r"\1:***@", str(text)))
