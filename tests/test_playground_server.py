"""The playground's server, driven as the page drives it: a real uvicorn on a free port, its
WebSocket protocol, uploads good and bad, two independent sessions, the exported experiment run
again by ``nnfit fit``, and the formula parser's refusals."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

pytest.importorskip("uvicorn")
websockets = pytest.importorskip("websockets.sync.client")

from nnfit.errors import InvalidOptionError  # noqa: E402
from nnfit.playground.config import PlayConfig  # noqa: E402
from nnfit.playground import wire  # noqa: E402
from nnfit.playground.formula import Formula, FormulaError, sample  # noqa: E402


@pytest.fixture(scope="module")
def server():
    from nnfit.playground import create_app

    app = create_app()
    address, stop = _serve(app)
    yield address, app
    stop()


def _serve(app):
    """A real uvicorn on a free port serving ``app``: (address, stop)."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started and time.time() < deadline:
        time.sleep(0.02)

    def stop():
        srv.should_exit = True
        thread.join(10)
    return f"127.0.0.1:{port}", stop


class Page:
    """What a tab does over the socket, without a browser."""

    def __init__(self, address, config=None):
        self.address = address
        self._connection = websockets.connect(f"ws://{address}/ws", max_size=None,
                                              open_timeout=30)
        self.ws = self._connection.__enter__()
        hello = self.recv()
        assert hello["type"] == "hello"
        self.session, self.limits = hello["session"], hello["limits"]
        self.data = None
        self.send({"type": "config", "config": config or {}})

    def send(self, message):
        self.ws.send(json.dumps(message))

    def recv(self, timeout=120):
        message = self.ws.recv(timeout=timeout)
        # frames are binary (a JSON header and the pictures' bytes), all else JSON text
        return wire.decode(message) if isinstance(message, bytes) else json.loads(message)

    def until(self, kind, test=lambda m: True, timeout=120):
        end = time.time() + timeout
        while time.time() < end:
            m = self.recv(timeout=max(0.1, end - time.time()))
            if m["type"] == "data":
                self.data = m
            if m["type"] == "error" and kind != "error":
                raise AssertionError(m["message"])
            if m["type"] == kind and test(m):
                return m
        raise AssertionError(f"no {kind} message in {timeout} s")

    def get(self, path):
        url = f"http://{self.address}{path}{'&' if '?' in path else '?'}session={self.session}"
        with urllib.request.urlopen(url, timeout=120) as r:
            return r.read().decode()

    def upload(self, content, name="data.csv"):
        request = urllib.request.Request(
            f"http://{self.address}/api/upload?session={self.session}&name={name}",
            data=content, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def close(self):
        self._connection.__exit__(None, None, None)


def test_page_and_assets_are_served_from_the_package(server):
    address, _ = server
    page = urllib.request.urlopen(f"http://{address}/").read().decode()
    for testid in ("play", "epoch", "loss-train", "loss-val", "upload", "add-layer",
                   "remove-layer", "weight-editor", "export"):
        assert f'data-testid="{testid}"' in page
    assert "http" not in page.split("<body>")[1].replace("http://", "")  # nothing from a CDN
    script = urllib.request.urlopen(f"http://{address}/static/app.js").read().decode()
    assert "textContent" in script and "innerHTML" not in script


def test_a_frame_on_the_wire_keeps_its_values_and_its_bytes():
    heat = np.arange(250, dtype=np.uint8)
    maps = [np.full(4, 7, np.uint8), np.array([], np.uint8), np.array([0, 255], np.uint8)]
    frame = {"type": "frame", "epoch": 3, "loss": 0.25, "name": "é \"$bytes\"", "heat": heat,
             "units": [{"scale": 2.0, "maps": maps}], "weights": [[[1.5, -2.0]]]}
    data = wire.encode(frame)
    # the arrays travel as they are, after the header, not as text
    assert isinstance(data, bytes) and data.endswith(heat.tobytes() + b"".join(m.tobytes()
                                                                              for m in maps))
    back = wire.decode(data)
    assert back == {**frame, "heat": heat.tobytes(),
                    "units": [{"scale": 2.0, "maps": [m.tobytes() for m in maps]}]}


def test_protocol_play_pause_step_and_a_falling_loss(server):
    page = Page(server[0], {"data": "circle", "hidden": "4,2", "learning_rate": 0.1})
    first = page.until("frame")
    assert first["epoch"] == 0 and page.data["dims"] == 2 and first["sizes"] == [2, 4, 2, 1]
    assert len(first["units"]) == 2 and len(first["units"][0]["maps"]) == 4
    # the pictures arrive as raw bytes: a 48 x 48 heat map, 16 x 16 thumbnails
    assert len(first["heat"]) == 48 * 48 and len(first["units"][1]["maps"][1]) == 16 * 16
    page.send({"type": "play"})
    late = page.until("frame", lambda m: m["epoch"] >= 200)
    page.send({"type": "pause"})
    stopped = page.until("status", lambda m: not m["playing"])
    assert late["loss"] < 0.6  # from log 2 = 0.69 at random weights
    time.sleep(0.3)
    page.send({"type": "step"})
    stepped = page.until("frame", lambda m: m["epoch"] > stopped["epoch"])
    frames_after = stepped["epoch"]
    time.sleep(0.5)
    page.send({"type": "step"})
    assert page.until("frame")["epoch"] == frames_after + 1
    page.close()


def test_two_tabs_are_two_independent_sessions(server):
    a = Page(server[0], {"data": "circle"})
    b = Page(server[0], {"data": "circle", "seed": 3})
    a.until("frame"), b.until("frame")
    assert a.session != b.session
    a.send({"type": "play"})
    a.until("frame", lambda m: m["epoch"] >= 50)
    b.send({"type": "step"})
    assert b.until("frame")["epoch"] == 1  # b trained only its own step
    a.close()
    b.send({"type": "step"})  # a's tab closed: b goes on
    assert b.until("frame")["epoch"] == 2
    _, app = server
    deadline = time.time() + 10
    while a.session in app.state.sessions and time.time() < deadline:
        time.sleep(0.05)
    assert a.session not in app.state.sessions
    b.close()


def test_bad_settings_become_a_message_and_the_session_goes_on(server):
    page = Page(server[0], {"data": "circle"})
    page.until("frame")
    page.send({"type": "config", "config": {"data": "circle", "hidden": "4,99999"}})
    error = page.until("error")
    assert "99999" in error["message"] and "1 to" in error["message"]
    page.send({"type": "config", "config": {"data": "formula", "formula": "y = __import__('os')"}})
    assert "__import__" in page.until("error")["message"]
    page.send({"type": "config", "config": {"data": "circle", "hidden": "3"}})
    assert page.until("frame")["sizes"] == [2, 3, 1]
    page.close()


def test_malformed_messages_get_a_message_and_the_session_goes_on(server):
    page = Page(server[0], {"data": "circle"})
    page.until("frame")
    page.send({"type": "config", "config": "x"})
    assert '"config" must be a JSON object of settings' in page.until("error")["message"]
    for message in ([], "str", 123, {}, None):
        page.send(message)
        assert 'must be a JSON object with a "type"' in page.until("error")["message"]
    status, body = page.upload(b"a,b\n1,2,3\n4,5,6\n")  # a cell too many on each row
    assert status == 400 and "more cells than its header row" in body["message"], body
    page.ws.send(b"not json")  # a binary frame
    assert "not JSON text" in page.until("error")["message"]
    page.send({"type": "config", "config": {"data": "circle", "hidden": "3"}})
    assert page.until("frame")["sizes"] == [2, 3, 1]
    page.close()


def test_bad_uploads_get_a_message_and_a_good_one_with_text_columns_trains(server):
    page = Page(server[0], {"data": "circle"})
    page.until("frame")
    limit = page.limits["bytes"]
    status, answer = page.upload(b"a,b\n" + b"1,2\n" * (limit // 4 + 10))
    assert status == 400 and "MB" in answer["message"]
    status, answer = page.upload(b"\xff\xfe\x00a,b\n1,2\n")
    assert status == 400 and "UTF-8" in answer["message"]
    status, answer = page.upload(b"only\n1\n2\n")
    assert status == 400 and "column" in answer["message"]
    status, answer = page.upload(b"")
    assert status == 400 and "empty" in answer["message"]
    rows = ["x,<b>colour</b>,y"] + [f"{x:.3f},{'red' if x > 0 else 'blue'},{np.sin(3 * x):.4f}"
                                    for x in np.linspace(-1, 1, 60)]
    status, answer = page.upload("\n".join(rows).encode())
    assert status == 200 and answer["columns"] == ["x", "<b>colour</b>", "y"]
    data = page.until("data", lambda m: m.get("columns"))
    assert data["target"] == "y" and data["axes"] == ["x"] and data["task"] == "regression"
    frame = page.until("frame")
    assert frame["dims"] == 1 and len(frame["curve"]) > 10
    page.send({"type": "play"})
    assert page.until("frame", lambda m: m["epoch"] > 20)["loss"] is not None
    page.send({"type": "pause"})
    page.close()


def _run_exported(page, tmp_path):
    """The page's experiment (and its rows) run by ``nnfit fit``: the fit it saves."""
    from nnfit.cli import main
    from nnfit.fitted import load_fit

    toml = page.get("/api/export.toml")
    (tmp_path / "experiment.toml").write_text(toml)
    if "csv = " in toml:
        name = toml.split('csv = "')[1].split('"')[0]
        (tmp_path / name).write_text(page.get("/api/data.csv"))
    assert main(["fit", str(tmp_path / "experiment.toml"), "--out", str(tmp_path / "run"),
                 "--quiet"]) == 0
    return toml, load_fit(str(tmp_path / "run"))


def test_exported_experiment_is_reproduced_by_nnfit_fit(server, tmp_path):
    page = Page(server[0], {"data": "spiral", "hidden": "6", "optimizer": "adam",
                            "learning_rate": 0.01, "features": "x1,x2,x1x2"})
    page.until("frame")
    page.send({"type": "play"})
    page.until("frame", lambda m: m["epoch"] >= 30)
    page.send({"type": "pause"})
    status = page.until("status", lambda m: not m["playing"])
    time.sleep(0.3)
    analysis = json.loads(page.get("/api/analysis"))
    assert analysis["n_params"] == 3 * 6 + 6 + 6 + 1 and len(analysis["eigenvalues"]) == 31
    toml, fit = _run_exported(page, tmp_path)
    assert "csv = " in toml  # derived features: the rows travel as a CSV
    assert len(fit.history) == status["epoch"]
    assert "<html" in page.get("/api/report").lower()
    page.close()


@pytest.mark.parametrize("config", [
    {"data": "formula", "formula": "y = sin(3x)", "noise": 0},
    {"data": "formula", "formula": "y > x**3 - x", "noise": 0.1},
    {"data": "spiral", "features": "x1,x2,x1x2,x1sq,x2sq,sinx1,sinx2", "hidden": "6,6"},
    {"data": "circle", "hidden": "3"},
])
def test_exported_steps_land_on_the_pages_losses(server, tmp_path, config):
    page = Page(server[0], {**config, "optimizer": "adam", "learning_rate": 0.01})
    page.until("frame")
    for epoch in (1, 2, 3):
        page.send({"type": "step"})
        last = page.until("frame", lambda m, e=epoch: m["epoch"] == e)
    _, fit = _run_exported(page, tmp_path)
    assert len(fit.history) == 3
    assert fit.history["loss"].iloc[-1] == pytest.approx(last["loss"], rel=1e-4)
    assert fit.history["val_loss"].iloc[-1] == pytest.approx(last["val_loss"], rel=1e-4)
    page.close()


def test_weight_edit_and_unit_off_change_the_picture(server):
    page = Page(server[0], {"data": "circle"})
    before = page.until("frame")
    page.send({"type": "weight", "layer": 0, "row": 0, "col": 0, "value": 3.0})
    edited = page.until("frame", lambda m: m["edited"])
    assert edited["weights"][0][0][0] == 3.0 and edited["heat"] != before["heat"]
    page.send({"type": "unit_off", "layer": 1, "unit": 0})
    off = page.until("frame", lambda m: m["weights"][2][0][0] == 0.0)
    assert off["heat"] != edited["heat"]
    page.send({"type": "weight", "layer": 5, "row": 0, "col": 0, "value": 1.0})
    assert "layer 5" in page.until("error")["message"]
    page.close()


# ---- the pieces, without a server ----

@pytest.mark.parametrize("text, expected", [
    ("y = 2x + 1", [1.0, 3.0]), ("y = sin(3x)", np.sin([0.0, 3.0]).tolist()),
    ("y=x^2 - 1e-3", [-1e-3, 1 - 1e-3]), ("y = 2(x+1)", [2.0, 4.0]),
])
def test_formula_curves(text, expected):
    f = Formula(text)
    assert f.kind == "curve"
    np.testing.assert_allclose(f.evaluate(x=np.array([0.0, 1.0])), expected)


@pytest.mark.parametrize("text", [
    "y = __import__('os').system('true')", "y = x.__class__", "y = (lambda: 1)()",
    "y = open('f')", "y = [x for x in ()]", "y = 'text'", "y = x[0]", "y = sin(x, x)",
    "y = sin(x=1)", "y = 9**9**9 + x", "import os", "y = " + "(" * 150 + "x" + ")" * 150,
    "y = x1 + x", "z = x", "y = exp(1000*x)", "y = x; import os", "y = x if x else 1",
    "y = x > 1", "y = f'{x}'", "y = x @ x", "y = True", "y = sin", "y = {1: 2}",
    "y = 'a' * 10**6", "y = x.real", "y = foo(x)",
])
def test_formula_refuses_what_is_not_arithmetic(text):
    with pytest.raises(FormulaError) as info:
        sample(text)
    assert "formula" in str(info.value)


@pytest.mark.parametrize("text, words", [
    ("y = x.__class__", "attribute is not allowed"), ("y = (lambda: 1)()", "lambda"),
    ("y = [x for x in ()]", "listcomp is not allowed"), ("y = 9**9**9 + x", "power beyond"),
    ("y = sin(x, x)", "one argument"), ("y = open('f')", "'open' is not one of"),
    ("y = x" + " + x" * 60, "longer than 200"), ("y = 'text'", "not a number"),
])
def test_formula_refusals_say_why(text, words):
    with pytest.raises(FormulaError, match=words):
        Formula(text)


def test_formula_is_evaluated_by_simpleeval_on_arrays():
    from nnfit.playground import formula

    assert issubclass(formula._Evaluator, __import__("simpleeval").SimpleEval)
    x = np.linspace(-3, 3, 50)
    np.testing.assert_allclose(Formula("y = pi*x + e - abs(-x)**2 % 3 + tanh(x)/2").evaluate(x=x),
                               np.pi * x + np.e - np.abs(-x) ** 2 % 3 + np.tanh(x) / 2)
    np.testing.assert_allclose(Formula("y = 2^x").evaluate(x=x), 2.0 ** x)


def test_formula_boundary_and_surface():
    X, y, task, names = sample("y > x**3 - x", n_samples=200)
    assert task == "classification" and set(np.unique(y)) == {0, 1}
    np.testing.assert_array_equal(y, (X[:, 1] > X[:, 0] ** 3 - X[:, 0]).astype(int))
    X, y, task, _ = sample("y = x1 * x2", n_samples=50)
    assert task == "regression" and X.shape == (50, 2)


def test_config_per_layer_penalties_and_the_cosine_horizon():
    config = PlayConfig.from_dict({"hidden": "4,2", "l2": "0,0.01,0"})
    assert config.l2 == (0.0, 0.01, 0.0) and config.to_dict()["l2"] == [0.0, 0.01, 0.0]
    assert PlayConfig.from_dict({**config.to_dict(), "hidden": [4, 2, 2]}).l2 == \
        (0.0, 0.01, 0.01, 0.0)  # an added layer takes its neighbour's penalty
    assert PlayConfig.from_dict({"l1": "0.1,0.1"}).l1 == 0.1
    with pytest.raises(InvalidOptionError, match="horizon"):
        PlayConfig.from_dict({"schedule": "cosine"})
    assert PlayConfig.from_dict({"schedule": "cosine", "horizon": "500"}).horizon == 500


def test_config_names_the_bad_value_and_the_fix():
    assert PlayConfig.from_dict({"hidden": "8,8", "activation": "relu"}).activation == \
        ("relu", "relu")
    for bad, words in [({"hidden": "0"}, "1 to"), ({"learning_rate": "fast"}, "number"),
                       ({"data": "mnist"}, "choose one of"), ({"colour": 1}, "not a setting"),
                       ({"features": "x3"}, "choose from"), ({"members": 1000}, "1 to 32")]:
        with pytest.raises(InvalidOptionError, match=words):
            PlayConfig.from_dict(bad)


def test_command_line_refuses_bad_input_with_status_2(capsys, tmp_path):
    from nnfit.cli import main

    assert main(["playground", "--port", "70000", "--no-browser"]) == 2
    assert "--port 70000" in capsys.readouterr().err
    assert main(["playground", "--data", str(tmp_path / "none.csv"), "--no-browser"]) == 2
    (tmp_path / "bad.csv").write_bytes(b"\xff\xfe")
    assert main(["playground", "--data", str(tmp_path / "bad.csv"), "--no-browser"]) == 2
    assert "UTF-8" in capsys.readouterr().err
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        assert main(["playground", "--port", str(busy.getsockname()[1]), "--no-browser"]) == 2
        assert "cannot listen" in capsys.readouterr().err
    finally:
        busy.close()


def test_clicked_points_change_the_rows_and_training_follows(server):
    page = Page(server[0], {"data": "circle", "learning_rate": 0.1})
    page.until("frame")
    n = len(page.data["coords"])
    page.send({"type": "point", "at": [0.5, 1.25], "remove": False, "other": False})
    data = page.until("data", lambda m: m.get("keep"))
    assert len(data["coords"]) == n + 1 and data["coords"][-1] == [0.5, 1.25]
    assert data["values"][-1] == 1.0 and data["config"]["points"] == "+0.5:1.25:1"
    page.send({"type": "point", "at": [0.5, 1.25], "other": True})  # shift: the other class
    assert page.until("data", lambda m: m.get("keep"))["values"][-1] == 0.0
    page.send({"type": "point", "at": [0.5, 1.25], "remove": True})  # the nearest goes
    data = page.until("data", lambda m: m.get("keep"))
    assert len(data["coords"]) == n + 1 and data["config"]["points"].endswith(";-0.5:1.25")
    page.send({"type": "play"})
    trained = page.until("frame", lambda m: m["epoch"] >= 20)
    page.send({"type": "point", "at": [-2.0, -2.0]})
    data = page.until("data", lambda m: m.get("keep"))
    assert len(data["coords"]) == n + 2
    later = page.until("frame", lambda m: m["epoch"] > trained["epoch"] + 20)
    assert later["loss"] is not None  # training went on over the new rows, epochs counting on
    page.send({"type": "pause"})
    page.until("status", lambda m: not m["playing"])
    time.sleep(0.3)
    toml = page.get("/api/export.toml")
    assert "points were added or removed at epoch" in toml and "csv = " in toml
    assert len(page.get("/api/data.csv").strip().splitlines()) == n + 2 + 1
    page.close()


def test_points_travel_in_the_config_within_a_limit(server):
    page = Page(server[0], {"data": "linear", "points": "+0.5:9;+1:9.5"})
    page.until("frame")
    assert page.data["coords"][-2:] == [[0.5], [1.0]] and page.data["values"][-1] == 9.5
    page.send({"type": "point", "at": [0.5, 9.0], "remove": True})
    data = page.until("data", lambda m: m.get("keep"))
    assert [1.0] in data["coords"] and [0.5] not in data["coords"]
    page.send({"type": "config", "config": {"data": "linear", "points": "+1:" + "9" * 20}})
    assert "finite numbers" in page.until("error")["message"]
    page.send({"type": "config", "config": {"data": "linear",
                                            "points": ";".join(["+1:1"] * 201)}})
    assert "download the rows" in page.until("error")["message"]
    page.close()


@pytest.mark.slow  # ~14 s under load; the browser test stops a cosine run at its horizon
def test_per_layer_penalties_and_a_cosine_horizon_are_reproduced_by_nnfit_fit(server, tmp_path):
    from nnfit.cli import main
    from nnfit.fitted import load_fit

    page = Page(server[0], {"data": "circle", "hidden": "4,2", "l2": "0,0.01,0", "l1": 0.001,
                            "schedule": "cosine", "horizon": 60, "learning_rate": 0.1})
    page.until("frame")
    assert page.data["config"]["l2"] == [0.0, 0.01, 0.0] and page.data["config"]["horizon"] == 60
    page.send({"type": "step"})
    page.until("frame", lambda m: m["epoch"] == 1)
    toml = page.get("/api/export.toml")
    assert "epochs = 60" in toml and "stopped at epoch 1 of the cosine" in toml
    page.send({"type": "play"})
    assert "horizon of 60 epochs" in page.until("error")["message"]
    last = page.until("frame", lambda m: m["epoch"] == 60)
    time.sleep(0.3)
    toml = page.get("/api/export.toml")
    assert 'schedule = "cosine"' in toml and "stopped at" not in toml
    (tmp_path / "experiment.toml").write_text(toml)
    assert main(["fit", str(tmp_path / "experiment.toml"), "--out", str(tmp_path / "run"),
                 "--quiet"]) == 0
    fit = load_fit(str(tmp_path / "run"))
    assert len(fit.history) == 60
    assert fit.history["loss"].iloc[-1] == pytest.approx(last["loss"], rel=1e-4)
    page.send({"type": "config", "config": {**page.data["config"], "horizon": 0}})
    assert "horizon" in page.until("error")["message"]
    page.close()


def test_a_network_too_big_for_memory_is_refused_before_it_is_built(server):
    page = Page(server[0], {"data": "circle", "hidden": "4,2"})
    page.until("frame")
    page.send({"type": "config", "config": {"data": "circle", "hidden": "20000,20000,20000",
                                            "members": 16}})
    error = page.until("error")["message"]
    assert "needs about" in error and "memory" in error and "available" in error
    kept = page.until("data", lambda m: m.get("keep"))  # the page is told what still runs
    assert kept["config"]["hidden"] == [4, 2]
    page.send({"type": "step"})
    assert page.until("frame")["sizes"] == [2, 4, 2, 1]
    page.close()


def test_the_first_play_of_a_new_shape_says_it_compiles(server):
    page = Page(server[0], {"data": "xor", "hidden": "3,3", "batch_size": 7})
    page.until("frame")
    page.send({"type": "play"})
    notices, trained = [], False
    while len(notices) < 2 or not trained:  # the notices come around the first chunk's frame
        m = page.recv()
        notices += [m["text"]] if m["type"] == "notice" else []
        trained = trained or (m["type"] == "frame" and m["epoch"] > 0)
    assert notices[0].startswith("compiling... (first run of this network shape)")
    assert notices[1].startswith("compiled and ran the first chunk in")
    page.send({"type": "pause"})
    page.close()


def test_linear_gd_lesson_is_seed_003s_surface_and_path(server):
    address = server[0]

    def get(query):
        try:
            with urllib.request.urlopen(f"http://{address}/api/linear-gd?{query}") as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    status, a = get("solver=gd&learning_rate=0.1&steps=200")
    assert status == 200 and a["path"][0] == [-6.0, -6.0] and len(a["path"]) == 201
    np.testing.assert_allclose(a["exact"], [4.22215108, 2.96846751], rtol=1e-8)
    np.testing.assert_allclose(a["path"][-1], a["exact"], atol=0.05)  # it walks there
    assert len(a["loss"]) == len(a["grid"]) == 61 and not a["diverged"]
    status, a = get("solver=gd&learning_rate=2&steps=50")
    assert status == 200 and a["diverged"]
    status, text = get("solver=newton")
    assert status == 400 and "choose one of gd" in text


@pytest.mark.slow  # two fits of seed 002 (~12 s under load)
def test_lm_against_adam_lesson(server):
    with urllib.request.urlopen(f"http://{server[0]}/api/lm-vs-adam", timeout=300) as r:
        a = json.loads(r.read())
    lm, adam = a["runs"]["lm"], a["runs"]["adam"]
    assert lm["final"] < adam["final"] and lm["evaluations"] < adam["evaluations"]


def test_a_new_tab_opens_on_the_data_file_and_a_link_still_wins():
    import pandas as pd

    from nnfit.playground import create_app

    x = np.linspace(-1, 1, 40)
    table = pd.DataFrame({"x": x, "level": np.cos(2 * x)})
    address, stop = _serve(create_app(upload=("given.csv", table)))
    try:
        page = Page(address, {})  # what a tab without a link sends
        page.until("frame")
        assert page.data["config"]["data"] == "upload" and page.data["target"] == "level"
        assert page.data["upload_name"] == "given.csv"
        page.close()
        page = Page(address, {"data": "xor"})
        page.until("frame")
        assert page.data["config"]["data"] == "xor" and "columns" not in page.data
        page.close()
    finally:
        stop()


def test_report_and_analysis_of_the_untrained_network(server):
    page = Page(server[0], {"data": "circle", "hidden": "3"})
    assert page.until("frame")["epoch"] == 0
    report = page.get("/api/report")  # before any training: the network at epoch 0
    assert "<html" in report.lower() and "epoch 0" in report
    analysis = json.loads(page.get("/api/analysis"))
    assert analysis["epoch"] == 0 and len(analysis["eigenvalues"]) == 2 * 3 + 3 + 3 + 1
    page.close()


def test_identifier_like_text_columns_are_left_out_and_never_the_default_target(server):
    page = Page(server[0], {"data": "circle"})
    page.until("frame")
    x = np.linspace(-1, 1, 80)
    rows = ["x,level,name"] + [f"{v:.3f},{np.cos(2 * v):.4f},row-{i}" for i, v in enumerate(x)]
    status, _ = page.upload("\n".join(rows).encode())
    assert status == 200
    data = page.until("data", lambda m: m.get("columns"))
    assert data["target"] == "level" and data["task"] == "regression"
    assert data["left_out"] == ["name"] and "name" not in data["columns"]
    page.send({"type": "step"})
    assert page.until("frame", lambda m: m["epoch"] == 1)["loss"] is not None
    assert "name" not in page.get("/api/data.csv").splitlines()[0]
    page.close()


def test_the_analysis_of_an_ensemble_says_to_choose_one_member(server):
    page = Page(server[0], {"data": "circle", "hidden": "3", "members": 2})
    page.until("frame")
    note = json.loads(page.get("/api/analysis"))["note"]
    assert "one member only: choose members = 1" in note and "2000" not in note
    page.close()


def test_contribution_maps_add_up_to_the_pictured_output():
    # seed 004's picture over a plane: the units' maps W[j] h_j, decoded from their bytes, sum
    # to the output's pre-activation less its bias (class 1's log-odds for two classes)
    from nnfit.playground.frames import _contribution_maps

    rng = np.random.default_rng(0)
    hidden = np.maximum(rng.normal(size=(400, 5)), 0)
    for W in (rng.normal(size=(5, 1)), rng.normal(size=(5, 2))):
        b = rng.normal(size=W.shape[1])
        out = _contribution_maps([(None, None), (W, b)], hidden)
        s = out["contrib_scale"]
        maps = np.stack([np.asarray(m, float) / 255 * 2 * s - s for m in out["contrib_maps"]], 1)
        z = hidden @ W
        pictured = z[:, 0] if W.shape[1] == 1 else z[:, 1] - z[:, 0]
        # each byte is within half a step (s / 255) of its value: five units, five half-steps
        np.testing.assert_allclose(maps.sum(axis=1), pictured, atol=5 * s / 255 * (1 + 1e-9))
    assert _contribution_maps([(None, None), (rng.normal(size=(5, 3)), np.zeros(3))],
                              hidden) == {}


def test_a_two_input_frame_carries_the_contribution_maps(server):
    page = Page(server[0], {"data": "circle", "hidden": "4,3"})
    frame = page.until("frame")
    # a map a last-layer unit, on the thumbnails' grid
    assert len(frame["contrib_maps"]) == 3 and frame["contrib_scale"] > 0
    assert all(len(m) == 16 * 16 for m in frame["contrib_maps"])
    page.close()
