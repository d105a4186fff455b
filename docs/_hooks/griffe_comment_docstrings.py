"""griffe extension: read Sphinx-style ``#:`` comments as attribute docstrings.

The package documents its attributes the way Sphinx's autodoc reads them::

    #: True in a process started by ``fork()``.
    is_worker: bool = ...

griffe reads only a string literal under the assignment, so without this the API
reference would show these attributes bare.
"""

from __future__ import annotations

import ast
from typing import Any

import griffe


class CommentDocstrings(griffe.Extension):
    def on_attribute_instance(
        self, *, node: ast.AST | griffe.ObjectNode, attr: griffe.Attribute, agent: Any, **kwargs: Any
    ) -> None:
        if attr.docstring is not None or attr.lineno is None or attr.filepath is None:
            return
        try:
            lines = attr.lines_collection[attr.filepath]
        except KeyError:
            return
        comment: list[str] = []
        index = attr.lineno - 2  # the line above the assignment
        while index >= 0 and lines[index].strip().startswith("#:"):
            comment.insert(0, lines[index].strip()[2:].strip())
            index -= 1
        if comment:
            attr.docstring = griffe.Docstring(
                "\n".join(comment), lineno=index + 2, endlineno=attr.lineno - 1, parent=attr
            )
