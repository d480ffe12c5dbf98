"""Figures rendered in a worker process (nnfit.report._background): the same PNG bytes as
rendering them in this process, and never a lost figure."""

import base64
import copy
import pickle
import re
import subprocess
import sys
import textwrap

import numpy as np
from matplotlib.ticker import FuncFormatter

from nnfit.plots.style import figure_to_png, new_figure, styled
from nnfit.report import Report
from nnfit.report import _background


@styled
def _figure(k=1, lambda_ticks=False):
    fig, axes = new_figure(1, 2)
    x = np.linspace(-3, 3, 200)
    for j, ax in enumerate(axes):
        ax.plot(x, np.sin(k * x + j), label="a curve")
        ax.scatter(x[::10], np.cos(x[::10]), label="points")
        ax.set(title=f"panel {j}", xlabel="x", ylabel="y")
        ax.legend()
        if lambda_ticks:  # a lambda does not pickle
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"<{v:g}>"))
    return fig


def _images(report):
    return re.findall(r'src="data:image/png;base64,([^"]+)"', report.to_html())


def test_a_report_rendered_in_the_background_has_the_same_figures():
    renderer = _background.FigureRenderer()
    try:
        here, there = Report("t"), Report("t", renderer=renderer)
        for k in (1, 2, 3):
            for report in (here, there):
                report.add_figure(_figure(k), f"figure {k}", dpi=80)
        assert len(_images(here)) == 3
        assert _images(there) == _images(here)
        assert there.to_html().count("<figcaption>") == 3
    finally:
        renderer.close()


def test_a_figure_that_does_not_pickle_is_rendered_here():
    renderer = _background.FigureRenderer()
    try:
        png = renderer.submit(_figure(lambda_ticks=True), 72).result()
    finally:
        renderer.close()
    assert png == figure_to_png(_figure(lambda_ticks=True), dpi=72)


def test_a_worker_that_dies_loses_no_figure(monkeypatch):
    def dying_worker():
        return subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    monkeypatch.setattr(_background, "_start_worker", dying_worker)
    renderer = _background.FigureRenderer()
    try:
        pending = [renderer.submit(_figure(k), 72) for k in (1, 2)]
        pngs = [p.result() for p in pending]
    finally:
        renderer.close()
    assert pngs == [figure_to_png(_figure(k), dpi=72) for k in (1, 2)]


def test_an_error_in_the_worker_comes_back_and_the_worker_goes_on():
    from concurrent.futures import Future

    renderer = _background.FigureRenderer()
    try:
        first = renderer.submit(_figure(), 72)  # starts the worker
        failed = Future()
        renderer._requests.put((pickle.dumps("not a figure"), 72, failed))
        after = renderer.submit(_figure(2), 72)
        error = failed.exception(timeout=120)
        assert isinstance(error, RuntimeError) and "AttributeError" in str(error)
        assert first.result() == figure_to_png(_figure(), dpi=72)
        assert after.result() == figure_to_png(_figure(2), dpi=72)
    finally:
        renderer.close()


def test_the_worker_does_not_run_the_callers_script_again(tmp_path):
    # a script without an `if __name__ == "__main__"` guard, as many are: a multiprocessing
    # worker would import it and build the report a second time
    script = tmp_path / "make_report.py"
    script.write_text(textwrap.dedent(f"""
        import numpy as np
        from nnfit.plots.style import new_figure
        from nnfit.report import Report
        from nnfit.report._background import FigureRenderer

        print("the script ran")
        fig, ax = new_figure()
        ax.plot(np.arange(5), np.arange(5) ** 2)
        report = Report("r", renderer=FigureRenderer())
        report.add_figure(fig, "squares")
        report.write({str(tmp_path / "r.html")!r})
    """))
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.count("the script ran") == 1
    assert 'src="data:image/png;base64,' in (tmp_path / "r.html").read_text()


def test_a_report_being_rendered_copies_and_pickles():
    renderer = _background.FigureRenderer()
    try:
        report = Report("t", renderer=renderer)
        report.add_figure(_figure(), "one", dpi=72)
        copied = copy.deepcopy(report)
        assert copied.renderer is renderer
        report.add_figure(_figure(2), "two", dpi=72)
        restored = pickle.loads(pickle.dumps(report))
        expected = [figure_to_png(_figure(k), dpi=72) for k in (1, 2)]
        assert len(_images(copied)) == 1 and _images(restored) == _images(report)
        assert [base64.b64decode(i) for i in _images(report)] == expected
    finally:
        renderer.close()
