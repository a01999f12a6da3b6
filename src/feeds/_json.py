"""The one way feeds writes JSON: sorted keys, two-space indent, a final newline."""

from __future__ import annotations

from typing import Any

import orjson

_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE


def dump_json(data: Any) -> bytes:  # noqa: ANN401  (any JSON-shaped value)
    """Serialise JSON deterministically."""
    return orjson.dumps(data, option=_OPTIONS)
