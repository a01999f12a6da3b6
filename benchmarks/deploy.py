"""Time a full and a no-op deploy of a generated site against a local S3 API server.

``python -m benchmarks.deploy N [--workdir DIR]`` writes N articles, builds
them, starts moto's S3 server on 127.0.0.1 (a free port) with fake
credentials, deploys twice and prints the request count and time of each.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from benchmarks.corpus import write_corpus
from feeds.build import build
from feeds.deploy import deploy
from feeds.models import Site


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("articles", type=int)
    parser.add_argument("--workdir", type=Path)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="feeds-deploy-bench-"))
    site = Site.model_validate({"title": "Bench", "base_url": "https://bench.example.com/"})
    write_corpus(workdir / "seeds", args.articles, seed=1)
    report = build(workdir / "seeds", workdir / "public", site)
    print(report.summary())

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(
        AWS_ACCESS_KEY_ID="AKIAFAKEBENCH",
        AWS_SECRET_ACCESS_KEY="fake",  # noqa: S106  (fake, for the local server)
        AWS_REGION="us-east-1",
    )
    os.environ["AWS_ENDPOINT_URL_S3"] = f"http://{host}:{port}"
    boto3.client("s3").create_bucket(Bucket="bench")
    for name in ("full", "no-op"):
        requests: Counter[str] = Counter()
        session = boto3.session.Session()
        session.events.register("before-send.s3", _counter(requests))
        started = time.perf_counter()
        result = deploy(workdir / "public", site, target="s3://bench/site", session=session)
        seconds = time.perf_counter() - started
        print(f"{name}: {result.summary()}; {sum(requests.values())} requests {dict(requests)}")
        print(f"{name}: {seconds:.1f} s wall")
    server.stop()
    return 0


def _counter(requests: Counter[str]) -> Any:  # noqa: ANN401
    def count(event_name: str, **_: Any) -> None:  # noqa: ANN401
        requests[event_name.rsplit(".", 1)[-1]] += 1

    return count


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
