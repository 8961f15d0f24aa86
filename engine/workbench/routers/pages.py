"""The page shells: open to anyone, they hold no data. Each loads its content from a
`/ui/...` fragment with the token kept in the browser's sessionStorage, so a page can be
bookmarked and shared while every fact behind it stays behind the token."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials

from engine.workbench.access import ANY_ROLE, bearer, require, roles_of
from engine.workbench.rendering import render, static_response

router = APIRouter(include_in_schema=False)

# path -> (navigation key, title, fragment path)
PAGES = {
    "/": ("home", "工作台", "/ui/home"),
    "/plans": ("plans", "方案", "/ui/plans"),
    "/diseases": ("diseases", "疾病目录", "/ui/diseases"),
    "/library": ("library", "规则库", "/ui/library"),
    "/simulator": ("simulator", "模拟理赔", "/ui/simulator"),
    "/cases": ("cases", "测试用例", "/ui/cases"),
    "/diffs": ("diffs", "版本差异", "/ui/diffs"),
    "/claims": ("claims", "理赔记录", "/ui/claims"),
    "/members": ("members", "会员累计", "/ui/members"),
    "/source": ("plans", "YAML 源文件", "/ui/source"),
}
NAVIGATION = [(path, key, title) for path, (key, title, _) in PAGES.items() if path != "/source"]


def shell(request: Request, key: str, title: str, fragment: str) -> Response:
    query = urlencode(list(request.query_params.multi_items()))
    return render("shell.html", key=key, title=title, fragment=fragment + (f"?{query}" if query else ""),
                  navigation=NAVIGATION, tokens_required=request.app.state.guard.tokens is not None)


def _page(path: str):
    key, title, fragment = PAGES[path]

    async def page(request: Request) -> Response:
        return shell(request, key, title, fragment)

    page.__name__ = f"page_{key}_{path.strip('/') or 'home'}"
    return page


for _path in PAGES:
    router.add_api_route(_path, _page(_path), methods=["GET"])


@router.get("/plans/{plan}/{revision}")
async def plan_page(request: Request, plan: str, revision: str) -> Response:
    from urllib.parse import quote

    return shell(request, "plans", f"{plan} {revision}", f"/ui/plans/{quote(plan, safe='')}/{quote(revision, safe='')}")


@router.get("/plans/{plan}")
async def plan_compare_page(request: Request, plan: str) -> Response:
    from urllib.parse import quote

    return shell(request, "plans", f"{plan} 版本对比", f"/ui/compare/{quote(plan, safe='')}")


@router.get("/ui/static/{name:path}")
async def static(name: str, request: Request) -> Response:
    response = static_response(name, request)
    return response if response is not None else Response("not found", status_code=404, media_type="text/plain")


@router.get("/ui/whoami", dependencies=[require(ANY_ROLE)])
async def whoami(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> Response:
    roles = roles_of(request, credentials) or frozenset()
    return render("whoami.html", roles=sorted(roles), open_mode=request.app.state.guard.tokens is None)
