"""YAML read from files and requests, bounded: size, nesting depth and alias expansion.

PyYAML's safe loader builds no objects of its own choosing, but it still accepts a
"billion laughs" (aliases of aliases, a few hundred bytes that expand to 10⁹ nodes
once anything walks them) and nesting deep enough to exhaust Python's recursion.
Every YAML document secops reads (rules and filter documents, rule overrides,
register of sources, report targets, rule text posted to the API) goes through
here. A refusal is a :class:`YamlLimitError`, a ``yaml.MarkedYAMLError``, so the
callers' existing ``except yaml.YAMLError`` report it with its file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_BYTES = 4 * 1024 * 1024  # a large Sigma rule file is ~100 KiB
MAX_DEPTH = 64  # Sigma rules nest 4-6 levels
MAX_NODES = 200_000  # nodes after alias expansion, per document


class YamlLimitError(yaml.MarkedYAMLError):
    """A YAML text passes one of the bounds of this module."""

    def __init__(self, problem: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem=problem, problem_mark=mark)


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, refusing deep nesting and documents that expand past MAX_NODES."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlLimitError(f"nesting deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> yaml.Node | None:
        node = super().compose_document()
        if node is not None:
            _check_expansion(node)
        return node


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a document whose tree, aliases expanded, has more than MAX_NODES nodes.

    Counted without expanding: a node's size is memoised by identity, and an alias is
    the same node object as its anchor, so the count costs one pass over distinct nodes.
    """
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not children_done and children:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        size = 1 + sum(sizes.get(id(c), 1) for c in children)
        if size > MAX_NODES:
            raise YamlLimitError(
                f"the document expands to more than {MAX_NODES} nodes (aliases of aliases?)",
                node.start_mark,
            )
        sizes[id(node)] = size


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _bounded(text: str) -> str:
    if len(text) > MAX_BYTES:
        msg = f"a YAML text is at most {MAX_BYTES} bytes, this one {len(text)}"
        raise YamlLimitError(msg, None)
    return text


def load(text: str) -> Any:
    """``yaml.safe_load`` within the bounds."""
    loader = _BoundedLoader(_bounded(text))
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_all(text: str) -> list[Any]:
    """``list(yaml.safe_load_all(text))`` within the bounds."""
    loader = _BoundedLoader(_bounded(text))
    try:
        docs = []
        while loader.check_data():
            docs.append(loader.get_data())
        return docs
    finally:
        loader.dispose()


def compose(text: str) -> yaml.Node | None:
    """``yaml.compose`` within the bounds: the node tree, with its marks."""
    loader = _BoundedLoader(_bounded(text))
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def read_text(path: Path) -> str:
    """A YAML file's text; refused before reading when it is larger than MAX_BYTES."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise YamlLimitError(f"a YAML file is at most {MAX_BYTES} bytes, this one {size}", None)
    return path.read_text(encoding="utf-8")
