"""Running the app under uvicorn, in one process or several.

Several workers are separate processes started fresh by uvicorn's supervisor (spawn, not fork):
each builds its own app from the settings in the environment (`worker_app`), on the same
listening socket and the same ledger. Two things are shared through the supervisor:
- SIGHUP to the supervisor is passed on to every worker that is serving, and each reloads its
  plans (checked first; a worker keeps its plans on failure). uvicorn's own SIGHUP restarts
  the workers instead, which would let a broken plan set stop them from starting;
- metrics: each worker writes to files in `PROMETHEUS_MULTIPROC_DIR` (a temporary folder made
  here, removed at exit), and `/metrics` sums them.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import signal
import tempfile

import uvicorn
from uvicorn.supervisors.multiprocess import Multiprocess

from engine.service.settings import ServiceSettings

log = logging.getLogger("uvicorn.error")


def worker_app():
    """The app of one worker process (uvicorn's factory), from the environment. SIGHUP is
    ignored until the app's start has set its handler: a reload asked for while the worker
    is still starting must not kill it (it loads the current files anyway)."""
    from engine.service.app import create_app

    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    return create_app(ServiceSettings.from_env())


class ReloadingSupervisor(Multiprocess):
    """uvicorn's supervisor, but SIGHUP reloads the plans in every worker instead of
    restarting the workers."""

    def handle_hup(self) -> None:
        serving = [process for process in self.processes if process.is_ready(timeout=1)]
        log.info("Received SIGHUP: asking %d worker(s) to reload the plans.", len(serving))
        for process in serving:
            os.kill(process.pid, signal.SIGHUP)


def run(settings: ServiceSettings, *, host: str, port: int, workers: int, log_level: str = "info",
        access_log: bool = True, app=None) -> None:
    """Serve until SIGINT/SIGTERM. With one worker, `app` (already built, plans loaded) is
    served in this process; with several, each worker builds its own."""
    options = dict(host=host, port=port, log_level=log_level, access_log=access_log, lifespan="on",
                   timeout_graceful_shutdown=10, server_header=False)
    if workers <= 1:
        uvicorn.Server(uvicorn.Config(app or worker_app(), **options)).run()
        return
    metrics_dir = tempfile.mkdtemp(prefix="adjudicator-metrics-")
    settings = dataclasses.replace(settings, supervisor_pid=os.getpid())
    os.environ.update(settings.to_env())
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir
    try:
        config = uvicorn.Config("engine.service.server:worker_app", factory=True, workers=workers, **options)
        ReloadingSupervisor(config, sockets=[config.bind_socket()]).run()
    finally:
        shutil.rmtree(metrics_dir, ignore_errors=True)
