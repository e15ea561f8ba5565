"""Pages: one module each, calling ``dash.register_page``; app.py imports them all."""

from __future__ import annotations

import importlib
import pkgutil


def load_all() -> list[str]:
    names = []
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
        names.append(info.name)
    return names
