"""Deploying a built tree to a CDN origin: an S3-compatible bucket or a folder.

Design
------
A deploy is a **plan**: the diff of the local tree (``public/``) against the
target. Each local file has a body digest (``feeds._digest``, as the build's) and the
headers it must be stored with (Content-Type, Cache-Control, Content-Encoding,
from the rules in ``feeds._headers``); a change of either is a change, so a new
cache rule re-uploads bodies that did not change. The plan is

    tiers   uploads ("upload": new, "update": body changed, headers changed,
            not in the remote manifest), in four tiers run one after another:
            0 article pages, article JSON, schemas and assets;
            1 lists and indexes (home page, API pages, other HTML/JSON/XML);
            2 the subscription feeds: feed.json, rss.xml, atom.xml;
            3 api/v1/index.json.
    deletes remote paths that are no longer local ("gone"), after every upload.

Why the order: a reader (or an API client) only ever follows links from what
it already fetched, so everything a file links to is up before the file; and
nothing is deleted while a live page may still link to it.

Remote state of a bucket. A listing (ListObjectsV2, 1,000 keys a request)
gives keys and ETags but no metadata, and a HEAD per object would cost one
request per file. So the deploy keeps a **manifest** object,
``.feeds-deploy.json.gz`` below the prefix: path -> [body digest, headers
digest, ETag]. An entry is trusted only while its ETag equals the listed one;
an object changed behind our back (or not in the manifest) is re-uploaded. The
manifest is written only when something changes: first with the changing paths
removed (so a deploy killed half-way is re-done, not trusted, next time), then
with each upload the store confirmed, when a step fails and every
``CHECKPOINT_EVERY`` uploads (so the next run resumes: what went up is not sent
again, and it still runs in tiers), and last, complete, after every upload and
deletion. A no-op deploy therefore costs the listing pages plus one GET. Before
each step a HEAD checks that the manifest is still the one this deploy read or
wrote: a deploy racing another stops, without writing its manifest or deleting
anything, and the next run converges.

What is published: every file of the build (its ``.feeds-manifest.json`` lists
them) and every file added by hand, but hidden files and folders (``.git``,
``.DS_Store``; ``.well-known/`` is published) and temporary files (``*.tmp``).
Links are never followed (``feeds.deploy._tree``): a symbolic link, FIFO,
socket or device in the output refuses the deploy, naming it.

Safety. More than ``max_deletes`` deletions (default 256) refuses the whole
deploy before anything changes: a wrong ``--output`` or ``--target`` must not
empty a site. Transient errors are retried by botocore (standard mode, with
backoff); a tier that still fails stops the deploy before the next tier, and
the error names the paths. Credentials come only from boto3's standard chain
and are scrubbed from every message; a bad endpoint or region is named (the
setting or variable) before boto3 sees it. A deploy holds the output's lock
(``feeds.build._lock``) while it reads and sends it, so it never sends a build
half moved in, and a folder target's lock while it changes the target.

A **folder** target gets a new release folder per deploy and an atomically
switched ``current`` symlink (see ``feeds.deploy._folder``); ``rollback``
switches back.
"""

from __future__ import annotations

from feeds._order import upload_tier
from feeds.deploy._plan import Action, Plan, Reason, make_plan
from feeds.deploy._run import DeployReport, deploy, open_target, releases, rollback

__all__ = [
    "Action",
    "DeployReport",
    "Plan",
    "Reason",
    "deploy",
    "make_plan",
    "open_target",
    "releases",
    "rollback",
    "upload_tier",
]
