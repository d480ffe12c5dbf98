"""Epochs per second of the TensorFlow Playground and of the nnfit playground, in the same
headless Chromium, on the same configurations; and the frames per second nnfit's page draws
while it trains.

    python benchmarks/bench_playground.py [--seconds 10] [--rounds 2] [--anchor DIR]

The Playground (its `npm run build` output, Apache-2.0, in the anchor folder) is served by
Python's http.server and measured as the anchor's measure.py measures it: load, 1.5 s, play,
1 s, then the epoch counter (#iter-number) over `--seconds`. nnfit's page is served by the real
command, `nnfit playground --no-browser` (a child process, so the server's training does not share
this process's interpreter with Playwright's driver), and measured the same way on its own
counter (data-testid=epoch), after its first epochs (the program compiles on play), with the
page's count of frames drawn over the same seconds. Configurations:

- default: the Playground's default, circle, 2 inputs (x1, x2), 4-2 tanh, SGD at 0.03, batch 10,
  50 % training rows;
- spiral: the spiral, 7 inputs (x1, x2, x1 x2, x1^2, x2^2, sin x1, sin x2), 6 x 8 tanh, SGD at
  0.03, batch 10, 50 %.

The networks differ only at the output: the Playground's is a tanh unit trained on the squared
error against labels -1/+1, nnfit's a sigmoid unit trained on the cross-entropy against 0/1 (its
classification output); same rows, layers, units, activations, optimizer, rate and batches.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"

TF = {
    "default": "index.html",
    "spiral": ("index.html#activation=tanh&batchSize=10&dataset=spiral&regDataset=reg-plane"
               "&learningRate=0.03&regularizationRate=0&noise=0&networkShape=8,8,8,8,8,8&seed=0.1"
               "&showTestData=false&discretize=false&percTrainData=50&x=true&y=true&xTimesY=true"
               "&xSquared=true&ySquared=true&cosX=false&sinX=true&cosY=false&sinY=true"
               "&collectStats=false&problem=classification&initZero=false&hideText=false"),
}
NNFIT = {
    "default": ("#data=circle&hidden=4,2&activation=tanh&features=x1,x2&optimizer=sgd"
                "&learning_rate=0.03&batch_size=10&train_pct=50"),
    "spiral": ("#data=spiral&hidden=8,8,8,8,8,8&activation=tanh"
               "&features=x1,x2,x1x2,x1sq,x2sq,sinx1,sinx2&optimizer=sgd&learning_rate=0.03"
               "&batch_size=10&train_pct=50"),
}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_anchor(folder):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def serve_nnfit():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "nnfit.cli", "playground", "--no-browser",
                                "--port", str(port)], stderr=subprocess.PIPE, text=True)
    line = process.stderr.readline()  # "nnfit playground: URL ..." once it listens
    if "playground:" not in line:
        process.kill()
        raise RuntimeError(f"nnfit playground did not start: {line}")
    return process, f"http://127.0.0.1:{port}/"


def measure_tf(browser, url, seconds):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    page.wait_for_timeout(1500)
    page.click("#play-pause-button")
    page.wait_for_timeout(1000)
    n0, t0 = int(page.inner_text("#iter-number").replace(",", "")), time.time()
    page.wait_for_timeout(seconds * 1000)
    n1, t1 = int(page.inner_text("#iter-number").replace(",", "")), time.time()
    loss = page.inner_text("#loss-test")
    page.close()
    return {"epochs_per_s": (n1 - n0) / (t1 - t0), "epochs": n1, "test_loss": loss}


def measure_nnfit(browser, url, seconds):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url)
    page.wait_for_function("window.NNP && NNP.state().frame", timeout=300_000)
    page.get_by_test_id("play").click()
    # the first play compiles the training program (or reads it from JAX's cache)
    page.wait_for_function("NNP.state().frame.epoch > 0", timeout=300_000)
    page.wait_for_timeout(1000)
    read = ("(() => { const s = NNP.state(); "
            "return [s.frame.epoch, s.drawn, s.frame.val_loss, s.frame.loss]; })()")
    (e0, f0, _, _), t0 = page.evaluate(read), time.time()
    page.wait_for_timeout(seconds * 1000)
    (e1, f1, val, loss), t1 = page.evaluate(read), time.time()
    page.get_by_test_id("play").click()
    page.close()
    return {"epochs_per_s": (e1 - e0) / (t1 - t0), "frames_per_s": (f1 - f0) / (t1 - t0),
            "epochs": e1, "validation_loss": val, "train_loss": loss}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--anchor",
                        default=str(ROOT.parent / "shared" / "anchors" / "tf-playground"))
    parser.add_argument("--configs", default="default,spiral")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    anchor, tf_base = serve_anchor(args.anchor)
    nnfit_server, nnfit_base = serve_nnfit()
    results = {"machine": {"cpus": os.cpu_count(), "load_1min": os.getloadavg()[0]},
               "seconds": args.seconds, "runs": {}}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            # rounds alternate the two pages, so that a change in the machine's load (other
            # processes) falls on both alike
            for round_ in range(args.rounds):
                for name in args.configs.split(","):
                    tf = measure_tf(browser, tf_base + TF[name], args.seconds)
                    nn = measure_nnfit(browser, nnfit_base + NNFIT[name], args.seconds)
                    results["runs"].setdefault(name, []).append(
                        {"tf_playground": tf, "nnfit": nn, "load_1min": os.getloadavg()[0],
                         "ratio": nn["epochs_per_s"] / tf["epochs_per_s"]})
                    print(f"{name:8} TF Playground {tf['epochs_per_s']:8.1f} epochs/s | nnfit "
                          f"{nn['epochs_per_s']:8.1f} epochs/s at {nn['frames_per_s']:.1f} "
                          f"frames/s | {nn['epochs_per_s'] / tf['epochs_per_s']:.0f}x | load "
                          f"{os.getloadavg()[0]:.1f}", flush=True)
            browser.close()
    finally:
        nnfit_server.terminate()
        nnfit_server.wait(10)
        anchor.shutdown()
    results["machine"]["load_1min_after"] = os.getloadavg()[0]
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
