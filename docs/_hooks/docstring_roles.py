"""mkdocs hook: the package's docstrings are written for Sphinx (``:func:`fork```, a
``::`` before a code block); in the API reference the roles render as plain code and
the ``::`` markers are dropped."""

from __future__ import annotations

import re

_ROLE = re.compile(r":(?:func|class|meth|mod|attr|data|exc|obj):(<code>)")
_LITERAL_MARKER = re.compile(r"<p>::</p>\s*")  # reST's "::" before a code block


def on_page_content(html: str, **kwargs: object) -> str:
    return _LITERAL_MARKER.sub("", _ROLE.sub(r"\1", html))
