"""Masking what may hold a secret before a message shows it."""

from __future__ import annotations

import re

# 'user:password@' after '//' (up to the first '@': an '@' in a path is masked
# too, which hides nothing that matters and never shows a password).
_USERINFO = re.compile(r"(?<=//)[^@\s]*@")


def mask_userinfo(text: str) -> str:
    """``text`` with the ``user:password@`` of every URL in it replaced by ``***@``."""
    return _USERINFO.sub("***@", text)
