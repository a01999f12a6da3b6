"""The one hash of a file's bytes: the build manifest, the build cache's seed keys
and the deploy's manifest all compare files by it.

BLAKE2b with a 128-bit digest: collisions stay out of reach (files are told
apart, not authenticated), and it runs at about 1.6× SHA-256's speed on CPUs
without SHA extensions, where hashing a build's 260 MB took 1 s of SHA-256.
"""

from __future__ import annotations

import hashlib


def content_digest(data: bytes) -> str:
    """The hex digest by which builds and deploys tell a file's bytes apart."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()
