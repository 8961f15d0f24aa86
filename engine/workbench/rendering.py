"""Templates and static files of the workbench, both read from the installed package.

Every response carries a Content-Security-Policy that allows scripts and styles from the
service only: the pages work offline, and a console error in the browser tests would show any
asset that tried to come from elsewhere.
"""

from __future__ import annotations

import mimetypes
from importlib import resources

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from engine.workbench.plain import CAP_NAMES, MEASURE_NAMES, SKIPPED_NAMES, STATUS_NAMES, amount_text, value_name, yuan

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
                                "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
                                "form-action 'self'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

environment = Environment(
    loader=PackageLoader("engine.workbench", "templates"),
    autoescape=select_autoescape(["html"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(yuan=yuan, amount=amount_text, named=value_name)
environment.globals.update(STATUS_NAMES=STATUS_NAMES, SKIPPED_NAMES=SKIPPED_NAMES, CAP_NAMES=CAP_NAMES, MEASURE_NAMES=MEASURE_NAMES)


def render(template: str, status_code: int = 200, **context) -> HTMLResponse:
    html = environment.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def _static_files() -> dict[str, bytes]:
    """Every file under static/, read once: the only paths the static route serves."""
    found: dict[str, bytes] = {}

    def walk(folder, prefix: str) -> None:
        for entry in folder.iterdir():
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            elif entry.is_file():
                found[prefix + entry.name] = entry.read_bytes()

    walk(resources.files("engine.workbench") / "static", "")
    return found


STATIC = _static_files()
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".txt": "text/plain; charset=utf-8",
         ".svg": "image/svg+xml"}


def static_response(name: str, request: Request) -> Response | None:
    body = STATIC.get(name)
    if body is None:
        return None
    suffix = "." + name.rsplit(".", 1)[-1]
    media = TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"
    return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"})
