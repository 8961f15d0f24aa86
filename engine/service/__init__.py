"""The HTTP service: `create_app(settings)` builds the FastAPI app; `adjudicator serve` runs it
under uvicorn. Modules: settings, auth (tokens and roles), problems (problem+json errors),
limits (body size, JSON depth), metrics (Prometheus), plan_registry (the plans in force and
reloading them), openapi (the generated document, completed), routers/ (one per area of the
API), app (the factory), server (uvicorn with several workers)."""

from engine.service.settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]


def __getattr__(name: str):
    if name == "create_app":  # the web stack is imported when an app is built, not before
        from engine.service.app import create_app

        return create_app
    raise AttributeError(name)
