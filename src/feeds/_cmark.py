"""GitHub's cmark-gfm (CommonMark, with GFM tables and strikethrough), node by node.

cmarkgfm builds cmark-gfm into its extension module and exports every ``cmark_*``
function from it, but its Python interface declares only whole-document
rendering. feeds needs the syntax tree (source lines, link destinations,
headings, raw HTML): so this module declares the few node functions it uses
(``cdef`` below) and opens the same shared object through cffi's ABI mode.
The library is the one cmarkgfm loaded (``dlopen`` of a loaded file returns it),
so its extension registry and memory allocator are shared.

A ``Document`` owns a parser and its tree; ``close`` (or ``with``) frees both.
Every function here takes and returns UTF-8 ``str``; nodes are cffi pointers.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import cffi

_DECLARATIONS = """
typedef struct cmark_node cmark_node;
typedef struct cmark_parser cmark_parser;
typedef struct cmark_iter cmark_iter;
typedef struct cmark_syntax_extension cmark_syntax_extension;
typedef struct cmark_llist cmark_llist;
typedef struct cmark_mem {
  void *(*calloc)(size_t, size_t);
  void *(*realloc)(void *, size_t);
  void (*free)(void *);
} cmark_mem;
cmark_mem *cmark_get_default_mem_allocator(void);
void cmark_gfm_core_extensions_ensure_registered(void);
cmark_syntax_extension *cmark_find_syntax_extension(const char *name);
cmark_parser *cmark_parser_new(int options);
int cmark_parser_attach_syntax_extension(cmark_parser *parser, cmark_syntax_extension *ext);
cmark_llist *cmark_parser_get_syntax_extensions(cmark_parser *parser);
void cmark_parser_feed(cmark_parser *parser, const char *buffer, size_t len);
cmark_node *cmark_parser_finish(cmark_parser *parser);
void cmark_parser_free(cmark_parser *parser);
char *cmark_render_html(cmark_node *root, int options, cmark_llist *extensions);
cmark_iter *cmark_iter_new(cmark_node *root);
int cmark_iter_next(cmark_iter *iter);
cmark_node *cmark_iter_get_node(cmark_iter *iter);
void cmark_iter_free(cmark_iter *iter);
void cmark_consolidate_text_nodes(cmark_node *root);
cmark_node *cmark_node_new(int type);
void cmark_node_free(cmark_node *node);
int cmark_node_get_type(cmark_node *node);
const char *cmark_node_get_type_string(cmark_node *node);
cmark_node *cmark_node_parent(cmark_node *node);
int cmark_node_get_start_line(cmark_node *node);
int cmark_node_get_start_column(cmark_node *node);
const char *cmark_node_get_literal(cmark_node *node);
int cmark_node_set_literal(cmark_node *node, const char *content);
const char *cmark_node_get_url(cmark_node *node);
int cmark_node_set_url(cmark_node *node, const char *url);
int cmark_node_get_heading_level(cmark_node *node);
int cmark_node_set_heading_level(cmark_node *node, int level);
int cmark_node_insert_before(cmark_node *node, cmark_node *sibling);
int cmark_node_append_child(cmark_node *node, cmark_node *child);
int cmark_node_replace(cmark_node *oldnode, cmark_node *newnode);
"""
# Node types (cmark-gfm.h): blocks 0x8000 | n, inlines 0xC000 | n. The table and
# strikethrough extensions register theirs at run time (not needed here).
DOCUMENT = 0x8001
CODE_BLOCK = 0x8005
HTML_BLOCK = 0x8006
PARAGRAPH = 0x8008
HEADING = 0x8009
TEXT = 0xC001
SOFTBREAK = 0xC002
LINEBREAK = 0xC003
CODE = 0xC004
HTML_INLINE = 0xC005
LINK = 0xC009
IMAGE = 0xC00A
BLOCK = 0x8000  # type & 0xC000 == BLOCK: a block node
# Containers whose start and end feeds' walk has nothing to do with.
PASSED = frozenset(
    {
        DOCUMENT,
        0x8002,  # block_quote
        0x8003,  # list
        0x8004,  # item
        0x800A,  # thematic_break
        0xC007,  # emph
        0xC008,  # strong
    }
)
_KIND = 0xC000
# Iterator events.
DONE, ENTER, EXIT = 1, 2, 3
EXTENSIONS = (b"table", b"strikethrough")
OPTIONS = 0  # CMARK_OPT_DEFAULT: "safe" (raw HTML omitted; none reaches it, see feeds._body)


_TYPE_NAMES: dict[int, str] = {}


@cache
def _library() -> tuple[cffi.FFI, Any]:
    """The cffi interface and cmark-gfm itself (loaded on first use: a build that
    renders nothing never loads it)."""
    from cmarkgfm import _cmark

    ffi = cffi.FFI()
    ffi.cdef(_DECLARATIONS)
    lib = ffi.dlopen(_cmark.__file__)
    lib.cmark_gfm_core_extensions_ensure_registered()
    return ffi, lib


def is_block(node_type: int) -> bool:
    """Whether a node type is a block's (paragraph, item, table cell...)."""
    return node_type & _KIND == BLOCK


class Document:
    """One Markdown text parsed by cmark-gfm: its tree, to read, change and render."""

    def __init__(self, text: str) -> None:
        self._ffi, self._lib = _library()
        lib = self._lib
        self._parser = lib.cmark_parser_new(OPTIONS)
        for name in EXTENSIONS:
            lib.cmark_parser_attach_syntax_extension(
                self._parser, lib.cmark_find_syntax_extension(name)
            )
        data = text.encode("utf-8")
        lib.cmark_parser_feed(self._parser, data, len(data))
        self.root = lib.cmark_parser_finish(self._parser)
        lib.cmark_consolidate_text_nodes(self.root)  # "a_b" is one text node, not three

    @property
    def lib(self) -> Any:  # noqa: ANN401
        """cmark itself, for loops that call it often (``feeds._body``)."""
        return self._lib

    @property
    def ffi(self) -> cffi.FFI:
        return self._ffi

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Free the tree and the parser."""
        if self._parser is not None:
            self._lib.cmark_node_free(self.root)
            self._lib.cmark_parser_free(self._parser)
            self._parser = None

    def walk(self) -> Iterator[tuple[int, Any, int]]:
        """(event, node, node type) of every node in document order: blocks and
        inlines with children are entered and exited, leaves only entered. The
        tree must not change meanwhile."""
        lib = self._lib
        iterator = lib.cmark_iter_new(self.root)
        try:
            while (event := lib.cmark_iter_next(iterator)) != DONE:
                node = lib.cmark_iter_get_node(iterator)
                yield event, node, lib.cmark_node_get_type(node)
        finally:
            lib.cmark_iter_free(iterator)

    def render_html(self) -> str:
        """The tree as HTML (raw HTML left out, as cmark's safe mode does)."""
        lib = self._lib
        extensions = lib.cmark_parser_get_syntax_extensions(self._parser)
        html = lib.cmark_render_html(self.root, OPTIONS, extensions)
        try:
            return str(self._ffi.string(html).decode("utf-8"))
        finally:
            lib.cmark_get_default_mem_allocator().free(html)

    # Nodes -------------------------------------------------------------------

    def type_name(self, node: Any, node_type: int) -> str:  # noqa: ANN401  (a cffi pointer)
        """A node's type by name (``table_cell``...): extensions number theirs at run time."""
        name = _TYPE_NAMES.get(node_type)
        if name is None:
            name = self._ffi.string(self._lib.cmark_node_get_type_string(node)).decode()
            _TYPE_NAMES[node_type] = name
        return name

    def line(self, node: Any) -> int:  # noqa: ANN401  (a cffi pointer)
        """The source line a node starts on; for one made by an extension (which may
        have none), that of the nearest block around it."""
        lib = self._lib
        while node != self._ffi.NULL:
            if (line := lib.cmark_node_get_start_line(node)) > 0:
                return int(line)
            node = lib.cmark_node_parent(node)
        return 0

    def literal(self, node: Any) -> str:  # noqa: ANN401
        """A text, code or HTML node's text."""
        value = self._lib.cmark_node_get_literal(node)
        return "" if value == self._ffi.NULL else str(self._ffi.string(value).decode("utf-8"))

    def url(self, node: Any) -> str:  # noqa: ANN401
        """A link's or image's destination, entities and escapes decoded."""
        value = self._lib.cmark_node_get_url(node)
        return "" if value == self._ffi.NULL else str(self._ffi.string(value).decode("utf-8"))

    def set_url(self, node: Any, url: str) -> None:  # noqa: ANN401
        self._lib.cmark_node_set_url(node, url.encode("utf-8"))

    def heading_level(self, node: Any) -> int:  # noqa: ANN401
        return int(self._lib.cmark_node_get_heading_level(node))

    def set_heading_level(self, node: Any, level: int) -> None:  # noqa: ANN401
        self._lib.cmark_node_set_heading_level(node, level)

    def text_node(self, text: str) -> Any:  # noqa: ANN401
        """A new text node (owned by the tree once inserted)."""
        node = self._lib.cmark_node_new(TEXT)
        self._lib.cmark_node_set_literal(node, text.encode("utf-8"))
        return node

    def set_literal(self, node: Any, text: str) -> None:  # noqa: ANN401
        self._lib.cmark_node_set_literal(node, text.encode("utf-8"))

    def link_node(self, url: str, text: str) -> Any:  # noqa: ANN401
        """A new link to ``url`` showing ``text``."""
        node = self._lib.cmark_node_new(LINK)
        self.set_url(node, url)
        self._lib.cmark_node_append_child(node, self.text_node(text))
        return node

    def insert_before(self, node: Any, new: Any) -> None:  # noqa: ANN401
        self._lib.cmark_node_insert_before(node, new)

    def replace(self, node: Any, new: Any) -> None:  # noqa: ANN401
        """Put ``new`` in the place of ``node``, and free ``node``."""
        self._lib.cmark_node_replace(node, new)
        self._lib.cmark_node_free(node)

    def paragraph_of(self, text: str) -> Any:  # noqa: ANN401
        """A new paragraph holding ``text``."""
        node = self._lib.cmark_node_new(PARAGRAPH)
        self._lib.cmark_node_append_child(node, self.text_node(text))
        return node
