"""The console's static files: a closed list read at start-up, served with their hashes.

Only files under ``static/`` that exist when the app starts are served (no path from
the request reaches the file system); each answer names its type and is cacheable.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from api.security import public
from secops.auth.principals import Principal
from secops.errors import NotFoundError

STATIC = Path(__file__).parent / "static"
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}

router = APIRouter()


@cache
def assets() -> dict[str, tuple[bytes, str, str]]:
    """Relative path → (content, media type, sha256) of every static file."""
    found = {}
    for path in sorted(STATIC.rglob("*")):
        if path.is_file() and path.suffix in _TYPES:
            content = path.read_bytes()
            rel = path.relative_to(STATIC).as_posix()
            found[rel] = (content, _TYPES[path.suffix], hashlib.sha256(content).hexdigest())
    return found


@router.get("/static/{name:path}", include_in_schema=False)
def static_file(name: str, _: Annotated[Principal, Depends(public())]) -> Response:
    found = assets().get(name)
    if found is None:
        raise NotFoundError(f"no static file {name!r}")
    content, media, digest = found
    return Response(
        content,
        media_type=media,
        headers={"ETag": f'"{digest[:32]}"', "Cache-Control": "public, max-age=3600"},
    )
