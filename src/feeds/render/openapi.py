"""``api/v1/openapi.json``: an OpenAPI 3.1 description of the static API.

Client generators and API explorers read it. It documents the GET operations
of the templated paths (``/api/v1/pages/{page}.json``, ...) relative to a
server at base_url, and embeds the response schemas under ``components``,
generated from the same pydantic models (``feeds.api_models``) as the JSON
Schemas published under ``api/v1/schema/``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any

from pydantic.json_schema import models_json_schema

from feeds._json import dump_json
from feeds.api_models import API_VERSION, SCHEMAS
from feeds.models import SLUG_MAX_LENGTH, Article, Site
from feeds.render import API_ROOT, Tree
from feeds.render.api import OPENAPI_PATH, schema_path

OPENAPI_VERSION = "3.1.0"
_COMPONENT = "#/components/schemas/{model}"
_JSON = "application/json"
_NOT_FOUND = {"description": "No such document"}


def render_openapi(site: Site, articles: Sequence[Article]) -> Tree:
    """The OpenAPI document (it does not depend on the articles)."""
    return {PurePosixPath(API_ROOT + OPENAPI_PATH): dump_json(openapi_document(site))}


def openapi_document(site: Site) -> dict[str, Any]:
    """The API's OpenAPI 3.1 description, with base_url as its server."""
    refs, schemas = models_json_schema(
        [(model, "serialization") for model in SCHEMAS.values()],
        by_alias=True,
        ref_template=_COMPONENT,
    )
    response = {name: refs[(model, "serialization")] for name, model in SCHEMAS.items()}
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"{site.title} API",
            "version": str(API_VERSION),
            "description": (
                "A static, read-only JSON API: plain files, so every operation is a GET "
                "and needs no authentication. Start at index.json; its links reach "
                "everything else."
            ),
        },
        "servers": [{"url": site.base_url.removesuffix("/"), "description": site.title}],
        "paths": {
            _api_path("index.json"): _get(
                "getIndex",
                "The API's entry point: site, counts, the newest articles and links",
                site,
                "index",
                response,
            ),
            _api_path("pages/{page}.json"): _get(
                "getPage",
                "One page of article summaries; page 1 holds the oldest, newest first within",
                site,
                "page",
                response,
                _PAGE_PARAMETER,
            ),
            _api_path("tags/{tag}/index.json"): _get(
                "getTagIndex",
                "A tag's entry document: its counts, newest articles and pages",
                site,
                "list",
                response,
                _TAG_PARAMETER,
            ),
            _api_path("tags/{tag}/pages/{page}.json"): _get(
                "getTagPage",
                "One page of the summaries of the articles with one tag; page 1 the oldest",
                site,
                "page",
                response,
                _TAG_PARAMETER,
                _PAGE_PARAMETER,
            ),
            _api_path("years/{year}/index.json"): _get(
                "getYearIndex",
                "A year's entry document: its counts, newest articles and pages",
                site,
                "list",
                response,
                _YEAR_PARAMETER,
            ),
            _api_path("years/{year}/pages/{page}.json"): _get(
                "getYearPage",
                "One page of the summaries of one year's articles; page 1 the oldest",
                site,
                "page",
                response,
                _YEAR_PARAMETER,
                _PAGE_PARAMETER,
            ),
            _api_path("articles/{slug}.json"): _get(
                "getArticle", "One article in full", site, "article", response, _SLUG_PARAMETER
            ),
        },
        "components": {"schemas": schemas["$defs"]},
    }


_PAGE_PARAMETER = {
    "name": "page",
    "in": "path",
    "required": True,
    "description": (
        "Page number, from 1 (the oldest articles) to the page_count of the list's entry "
        "document (the newest)"
    ),
    "schema": {"type": "integer", "minimum": 1},
}
_TAG_PARAMETER = {
    "name": "tag",
    "in": "path",
    "required": True,
    "description": "The tag's slug, as in the index's links.tags[].slug",
    "schema": {"type": "string", "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$"},
}
_YEAR_PARAMETER = {
    "name": "year",
    "in": "path",
    "required": True,
    "description": "A year with articles, as in the index's links.years[].year",
    "schema": {"type": "integer", "minimum": 1900, "maximum": 2100},
}
_SLUG_PARAMETER = {
    "name": "slug",
    "in": "path",
    "required": True,
    "description": "The article's slug, as in its summary's slug member",
    "schema": {
        "type": "string",
        "pattern": "^[a-z0-9]+(?:-[a-z0-9]+)*$",
        "maxLength": SLUG_MAX_LENGTH,
    },
}


def _api_path(relative: str) -> str:
    return "/" + API_ROOT + relative


def _get(
    operation: str,
    summary: str,
    site: Site,
    name: str,
    response: dict[str, Any],
    *parameters: dict[str, Any],
) -> dict[str, Any]:
    published = site.url(API_ROOT + schema_path(name))
    get: dict[str, Any] = {
        "operationId": operation,
        "summary": summary,
        "responses": {
            "200": {
                "description": f"The document; its JSON Schema is also published at {published}",
                "content": {_JSON: {"schema": response[name]}},
            },
            "404": _NOT_FOUND,
        },
    }
    if parameters:
        get["parameters"] = list(parameters)
    return {"get": get}
