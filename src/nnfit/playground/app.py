"""The playground's web application: a Starlette (ASGI) app for uvicorn.

Routes
------
``GET /``                 the page (every asset is in the package: no CDN, works offline)
``GET /static/...``       its script and style
``WS  /ws``               one session per connection: settings and commands in, frames out
``POST /api/upload``      a CSV file's bytes for a session (``?session=ID``), within the limits
``GET /api/export.toml``  the session's experiment, which ``nnfit fit`` runs to the same result
``GET /api/data.csv``     the session's rows, for an experiment that needs them
``GET /api/report``       the HTML report of the session's current fit (:mod:`nnfit.report`)
``GET /api/analysis``     Hessian spectrum, gradient and extrapolation of the current fit
``GET /api/linear-gd``    seed 003's loss surface and a descent path (:mod:`.modes`)
``GET /api/lm-vs-adam``   seed 002's Levenberg-Marquardt against Adam (:mod:`.modes`)

A session id is a random token handed to its own page only: a tab cannot reach another's
session. Messages are JSON text, but for frames (:mod:`nnfit.playground.frames`): a frame is
one binary message, a JSON header and its pictures' raw bytes (:mod:`nnfit.playground.wire`).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from importlib import resources

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..errors import InvalidOptionError
from .problems import LIMITS, LIMITS_TEXT, MAX_UPLOAD_BYTES, read_upload
from . import wire
from .sessions import Session

STATIC = resources.files("nnfit.playground") / "static"


def create_app(upload=None):
    """The ASGI app; ``upload`` is ``(name, DataFrame)`` from ``--data``, every tab's start."""
    sessions = {}

    async def index(request):
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"),
                            headers={"Cache-Control": "no-store"})

    async def socket(websocket: WebSocket):
        await websocket.accept()
        loop = asyncio.get_running_loop()
        outbox = asyncio.Queue()
        session_id = secrets.token_urlsafe(16)
        session = Session(session_id, lambda m: loop.call_soon_threadsafe(outbox.put_nowait, m),
                          upload=upload)
        sessions[session_id] = session
        sender = asyncio.create_task(_send(websocket, outbox))
        await websocket.send_text(json.dumps({"type": "hello", "session": session_id,
                                              "limits": {**LIMITS, "text": LIMITS_TEXT},
                                              "upload": upload[0] if upload else None}))
        started = False
        try:
            while True:
                received = await websocket.receive()
                if received["type"] == "websocket.disconnect":
                    raise WebSocketDisconnect(received.get("code", 1000))
                try:  # a binary frame has no "text"
                    message = json.loads(received.get("text") or "")
                except json.JSONDecodeError:
                    outbox.put_nowait({"type": "error", "message": "a message that is not JSON "
                                       "text (the page sends JSON objects as text frames)"})
                    continue
                if not started:
                    started = True
                    config = message.get("config") if isinstance(message, dict) and \
                        message.get("type") == "config" else None
                    session.start(config)
                    if config is None:
                        session.send(message)
                else:
                    session.send(message)
        except WebSocketDisconnect:
            pass
        finally:  # the tab is closed: its training stops at the end of the chunk
            session.close()
            sessions.pop(session_id, None)
            sender.cancel()

    def _session(request):
        session = sessions.get(request.query_params.get("session", ""))
        if session is None:
            raise InvalidOptionError("no such session (the tab was closed or the server "
                                     "restarted); reload the page")
        return session

    async def upload_file(request):
        try:
            session = _session(request)
            body, size = bytearray(), 0
            # past the limit the rest is read and dropped, never kept: a browser that is cut
            # off while it sends shows a network error instead of the message
            async for chunk in request.stream():
                size += len(chunk)
                if size <= MAX_UPLOAD_BYTES:
                    body.extend(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise InvalidOptionError(f"the file is {size / 1e6:.1f} MB; the playground "
                                         f"takes {LIMITS_TEXT}")
            name = request.query_params.get("name", "upload.csv")[:200]
            frame = await asyncio.to_thread(read_upload, bytes(body), name)
        except InvalidOptionError as err:
            return JSONResponse({"ok": False, "message": str(err)}, status_code=400)
        session.send({"type": "upload", "name": name, "frame": frame})
        return JSONResponse({"ok": True, "rows": len(frame),
                             "columns": [str(c) for c in frame.columns]})

    def _guarded(build):
        async def route(request):
            try:
                session = _session(request)
                return await asyncio.to_thread(build, session, request)
            except InvalidOptionError as err:
                return PlainTextResponse(str(err), status_code=400)
        return route

    from . import exports, modes

    def _answer(compute):
        async def route(request):
            try:
                query = dict(request.query_params)
                return JSONResponse(await asyncio.to_thread(compute, query))
            except InvalidOptionError as err:
                return PlainTextResponse(str(err), status_code=400)
        return route

    routes = [
        Route("/", index),
        WebSocketRoute("/ws", socket),
        Route("/api/upload", upload_file, methods=["POST"]),
        Route("/api/export.toml", _guarded(exports.toml_response)),
        Route("/api/data.csv", _guarded(exports.csv_response)),
        Route("/api/report", _guarded(exports.report_response)),
        Route("/api/analysis", _guarded(exports.analysis_response)),
        Route("/api/linear-gd", _answer(modes.linear_gd)),
        Route("/api/lm-vs-adam", _answer(modes.lm_vs_adam)),
        Mount("/static", StaticFiles(directory=str(STATIC)), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.sessions = sessions
    return app


async def _send(websocket, outbox):
    """Send the worker's messages in order; frames that queued up are merged into the last
    (their loss points kept), so a slow page gets the newest picture, not a backlog."""
    try:
        while True:
            message = await outbox.get()
            while not outbox.empty():
                following = outbox.get_nowait()
                if message.get("type") == "frame" and following.get("type") == "frame":
                    following["history"] = message.get("history", []) + \
                        following.get("history", [])
                    message = following
                    continue
                await _write(websocket, message)
                message = following
            await _write(websocket, message)
    except (asyncio.CancelledError, WebSocketDisconnect, RuntimeError):
        pass


async def _write(websocket, message):
    """A frame as one binary message (:mod:`.wire`), every other message as JSON text."""
    if message.get("type") == "frame":
        await websocket.send_bytes(wire.encode(message))
    else:
        await websocket.send_text(json.dumps(message))


__all__ = ["create_app", "Response"]
