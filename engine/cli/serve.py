"""`adjudicator serve`: the HTTP service (FastAPI under uvicorn), on a SQLite or PostgreSQL ledger."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Optional

import typer

from engine.cli.common import Evaluator, PlansOption, RulesOption, app, err
from engine.service.settings import MAX_BODY_BYTES, MAX_JSON_DEPTH, ServiceSettings


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
def serve(
    ledger: str = typer.Option("ledger.db", "--ledger", help="the claims ledger: a SQLite file (created on first use) "
                               "or a SQLAlchemy URL, e.g. postgresql+psycopg://user@host/db (prepared by `adjudicator ledger upgrade`)"),
    plans: Path = PlansOption,
    rules: Path = RulesOption,
    tokens: Optional[Path] = typer.Option(None, "--tokens", envvar="ADJUDICATOR_TOKENS",
                                          help="bearer tokens file: one `TOKEN ROLE[,ROLE…]` per line; roles adjudicate, simulate, read, admin"),
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on (0.0.0.0 for every interface)"),
    port: int = typer.Option(8000, "--port", help="port to listen on"),
    workers: int = typer.Option(1, "--workers", min=1, help="worker processes (each loads the plans; all share the ledger)"),
    evaluator: Evaluator = typer.Option(Evaluator.durable, help="rule evaluator"),
    max_body_bytes: int = typer.Option(MAX_BODY_BYTES, "--max-body-bytes", min=1024, help="largest request body accepted (413 above)"),
    max_json_depth: int = typer.Option(MAX_JSON_DEPTH, "--max-json-depth", min=8, help="deepest JSON nesting accepted (422 above)"),
    batch: int = typer.Option(32, "--batch", min=1, help="group commit: at most this many claims that arrive together "
                              "recorded in one transaction (1: one transaction per claim)"),
    writers: int = typer.Option(2, "--writers", min=1, help="transactions in flight per worker"),
    access_log: bool = typer.Option(True, "--access-log/--no-access-log", help="log one line per request (never a token)"),
    log_level: str = typer.Option("info", "--log-level", help="critical, error, warning, info or debug"),
    insecure_dev: bool = typer.Option(False, "--insecure-dev", help="no tokens: anyone may call every endpoint; "
                                      "listens on 127.0.0.1 only. For trying the service on your own machine."),
) -> None:
    """Serve the adjudicator over HTTP: record claims idempotently, what-ifs, claim and member
    history, the plans in force, reload (POST /v1/admin/reload or SIGHUP), health and metrics.
    The API is described at /docs and /openapi.json."""
    from sqlalchemy.exc import DBAPIError

    from engine.service.auth import TokensFileError, read_tokens
    from engine.service.plan_registry import PlanSetRejected, load_checked
    from engine.service.server import run
    from engine.store import StoreNotReady, open_store

    if tokens and insecure_dev:
        err.print("error: give --tokens or --insecure-dev, not both", markup=False)
        raise typer.Exit(2)
    if not tokens and not insecure_dev:
        err.print("error: no tokens: give --tokens FILE (or ADJUDICATOR_TOKENS), one `TOKEN ROLE[,ROLE…]` per line; "
                  "or --insecure-dev to try the service on 127.0.0.1 without tokens", markup=False)
        raise typer.Exit(2)
    if insecure_dev:
        if not _is_loopback(host):
            err.print(f"error: --insecure-dev listens on 127.0.0.1 only, not {host}", markup=False)
            raise typer.Exit(2)
        host = "127.0.0.1"
        err.print("warning: --insecure-dev: no tokens, every caller may adjudicate, read and reload; "
                  "listening on 127.0.0.1 only", markup=False)
    else:
        try:
            read_tokens(tokens)  # refuse a bad file here, once, before any worker starts
        except TokensFileError as error:
            err.print(f"error: {error}", markup=False)
            raise typer.Exit(2)
    try:  # here, once: a new SQLite ledger is created and migrated before any worker opens it
        store = open_store(ledger)
        shown = store.display_url() if hasattr(store, "display_url") else ledger
        store.close()
    except StoreNotReady as error:
        err.print(f"error: {error}", markup=False)
        raise typer.Exit(1)
    except DBAPIError as error:
        err.print(f"error: cannot open the ledger: {error.orig or error.__class__.__name__}", markup=False)
        raise typer.Exit(1)
    settings = ServiceSettings(plans=plans, rules=rules, ledger=ledger, tokens=tokens, insecure_dev=insecure_dev,
                               evaluator=evaluator.value, max_body_bytes=max_body_bytes, max_json_depth=max_json_depth,
                               batch=batch, writers=writers)
    try:
        loaded = load_checked(plans, rules, evaluator.value)
    except PlanSetRejected as rejected:
        for error in rejected.errors:
            err.print(f"error: {error}", markup=False, highlight=False)
        raise typer.Exit(1)
    err.print(f"plans: {len(loaded.all_revisions())} revisions, fingerprint {loaded.fingerprint[:12]}; ledger: {shown}; "
              f"{workers} worker(s) on http://{host}:{port}", markup=False, highlight=False)
    app_instance = None
    if workers == 1:
        from engine.service.app import create_app

        app_instance = create_app(settings, plans=loaded)
    run(settings, host=host, port=port, workers=workers, log_level=log_level, access_log=access_log, app=app_instance)
