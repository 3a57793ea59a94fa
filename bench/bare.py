"""The ceiling: the same stack (FastAPI on uvicorn, same options as `tvox-journey serve`) doing no work.

Every tutorial and native webhook path answers 200 `ok` at once, so a benchmark
of it measures the HTTP stack and the load generator on this machine, not our code.
Benchmark-only: the product has no such endpoint.
"""

from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse

from tvox_journey.ingest.contract import TUTORIAL_ROUTES


def create_bare_app() -> FastAPI:
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    async def ok() -> PlainTextResponse:
        return PlainTextResponse("ok")

    async def health() -> JSONResponse:
        return JSONResponse({"ok": True})

    paths = [f"/{path}{suffix}" for path in TUTORIAL_ROUTES for suffix in ("", ".php")]
    paths += ["/tvox/events", "/tvox/events/{call_type}", "/tvox/events/{call_type}/{event}"]
    for path in paths:
        app.add_api_route(path, ok, methods=["GET", "POST"])
    app.add_api_route("/healthz", health, methods=["GET"])
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # The options of cli/serve.py run_server, so both servers differ only in the app.
    uvicorn.run(
        create_bare_app(),
        host="127.0.0.1",
        port=args.port,
        log_level="info",
        access_log=False,
        proxy_headers=False,
        server_header=False,
    )


if __name__ == "__main__":
    main()
