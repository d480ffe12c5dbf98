"""The nnfit playground: the TensorFlow Playground's page over nnfit's engine, on your own data.

``nnfit playground [--data FILE.csv] [--port 8050] [--host 127.0.0.1] [--no-browser]`` serves a
local page (:mod:`~nnfit.playground.app`, a Starlette app on uvicorn) where a network trains
while you watch: each tab is a session (:mod:`~nnfit.playground.sessions`) whose thread trains
in compiled chunks of epochs and streams pictures (:mod:`~nnfit.playground.frames`) over a
WebSocket; the page (``static/``: plain HTML, JavaScript and canvas, no build step, no CDN)
draws them and keeps its settings in the URL. Data come from the Playground's sets, the seed
problems, a typed formula (:mod:`~nnfit.playground.formula`, parsed without ``eval``) or a CSV
file read under stated limits (:mod:`~nnfit.playground.problems`).
"""

from __future__ import annotations

import socket
import sys
import threading

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

__all__ = ["serve", "create_app", "LOCAL_HOSTS"]


def create_app(upload=None):
    """The ASGI application (see :func:`nnfit.playground.app.create_app`)."""
    from .app import create_app as create

    return create(upload)


def serve(*, data=None, host="127.0.0.1", port=8050, open_browser=True):
    """Serve the playground until Ctrl-C; returns the exit status (0).

    Parameters
    ----------
    data : str, optional
        A CSV file every new tab starts with (read once, under the upload limits).
    host, port : str, int
        Where to listen; port 0 takes a free one.
    open_browser : bool
        Open the page in the default browser once the server listens.
    """
    import uvicorn

    from ..errors import InvalidOptionError
    from .problems import read_data_file

    upload = None
    if data is not None:
        import os

        upload = (os.path.basename(data), read_data_file(data))
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as err:
        sock.close()
        raise InvalidOptionError(f"cannot listen on {host}:{port}: {err.strerror}; give another "
                                 "--port (0 picks a free one) or --host") from None
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    print(f"nnfit playground: {url}  (Ctrl-C stops it)", file=sys.stderr, flush=True)
    if open_browser:
        import webbrowser

        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    config = uvicorn.Config(create_app(upload), log_level="warning", ws_max_size=1 << 20)
    uvicorn.Server(config).run(sockets=[sock])
    return 0
