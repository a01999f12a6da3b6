"""WebSub: after a deploy that changed feeds, tell the hub so subscribers get pushes.

One ``POST`` per changed feed, form body ``hub.mode=publish&hub.url=<feed URL>``
(WebSub, W3C Recommendation §7 leaves publishing to the hub; this is the form
every public hub accepts). A hub that is down must not fail a deploy that
already succeeded: failures are collected and reported, never raised.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode

from feeds.render import ATOM_PATH, JSON_FEED_PATH, RSS_PATH

FEED_NAMES = frozenset({RSS_PATH, ATOM_PATH, JSON_FEED_PATH})
TIMEOUT = 10.0  # seconds per ping
PARALLEL = 4  # pings in flight: a first deploy of a site with many tags pings many feeds


def is_feed(path: str) -> bool:
    """Whether an output path is a feed document (site, tag or archive)."""
    return path.rsplit("/", 1)[-1] in FEED_NAMES


@dataclass(frozen=True)
class PingReport:
    """Which feed URLs the hub was told about, and which pings failed (URL, reason)."""

    hub: str
    pinged: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]

    def summary(self) -> str:
        """``WebSub https://hub/: pinged 6 feeds`` or the failures, first three named."""
        total = len(self.pinged) + len(self.failed)
        plural = "s" * (total != 1)
        if not self.failed:
            return f"WebSub {self.hub}: pinged {total} feed{plural}"
        shown = "; ".join(f"{url} ({reason})" for url, reason in self.failed[:3])
        more = f" and {len(self.failed) - 3} more" if len(self.failed) > 3 else ""
        return (
            f"WebSub {self.hub}: {len(self.failed)} of {total} ping{plural} failed: {shown}{more}; "
            "the deploy itself succeeded"
        )


def ping_hub(hub: str, feed_urls: Iterable[str], timeout: float = TIMEOUT) -> PingReport:
    """POST ``hub.mode=publish`` for each feed URL; collect failures instead of raising."""
    urls = list(dict.fromkeys(feed_urls))
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        results = list(pool.map(lambda url: _ping(hub, url, timeout), urls))
    pinged = tuple(url for url, error in zip(urls, results, strict=True) if error is None)
    failed = tuple(
        (url, error) for url, error in zip(urls, results, strict=True) if error is not None
    )
    return PingReport(hub, pinged, failed)


def publish_body(feed_url: str) -> bytes:
    """The form body that tells a hub a feed changed."""
    return urlencode([("hub.mode", "publish"), ("hub.url", feed_url)]).encode()


def _ping(hub: str, feed_url: str, timeout: float) -> str | None:
    """None on a 2xx answer, else why not."""
    request = urllib.request.Request(  # noqa: S310  (the hub URL is validated as http(s))
        hub,
        data=publish_body(feed_url),
        method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "User-Agent": "feeds"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            response.read()
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return str(getattr(error, "reason", error))
    return None
