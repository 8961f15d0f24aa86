"""The workbench: pages at `/` of the service for product teams and claims officers, in
Chinese, server-rendered (Jinja2) with htmx served by the package itself (no CDN, no build
step). Pages are open shells; everything they show comes from `/ui/...` fragments behind the
service's bearer token (`engine.workbench.access`).

    app.include_router(engine.workbench.router)
"""

from fastapi import APIRouter

from engine.workbench.routers import cases, diffs, ledger, pages, plans, simulator

router = APIRouter()
for _router in (pages.router, plans.router, simulator.router, cases.router, diffs.router, diffs.viewer,
                ledger.router):
    router.include_router(_router)

__all__ = ["router"]
