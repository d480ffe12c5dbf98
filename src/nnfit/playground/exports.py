"""What a user leaves the playground with: the experiment as TOML, its rows, the HTML report,
and the analysis of the current fit (Hessian spectrum, gradient, extrapolation).

The exported experiment is the session's own options (:meth:`Session.train_keywords`, the same
dict its chunks train with) written by :func:`nnfit.runs.toml_dumps`, with ``epochs`` set to the
epochs trained: ``nnfit fit`` runs it as one call of the same compiled program and lands on the
same weights (a weight edited by hand is not part of an experiment: the file says so).
"""

from __future__ import annotations

import re

import numpy as np
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response

from ..errors import InvalidOptionError


def experiment_tables(session, csv_name="data.csv"):
    """The ``[data]``, ``[model]`` and ``[train]`` tables of the session's experiment."""
    fit, problem, epoch, edited = session.current()
    if problem is None:
        raise InvalidOptionError("the session has no data yet; wait for the first picture")
    data = dict(problem.dataset) if problem.dataset is not None else {
        "csv": csv_name, "target": problem.y if problem.is_table else "y"}
    data.update(session.data_keywords())
    model = session.model()
    model_table = {"hidden": list(model.hidden), "activation": list(model.activation),
                   "normalize": model.normalize}
    if model.output != "linear":
        model_table["output"] = model.output
    train = session.train_keywords(max(epoch, 1))
    if train.get("schedule") == "cosine":  # the decay is over the horizon, trained or not
        train["epochs"] = session.config.horizon
    if train.get("batch_size") is None:
        train["batch_size"] = "full"
    return {"data": data, "model": model_table, "train": train}, edited


def csv_name(session):
    """The file name the exported rows go by (the upload's own, made safe)."""
    problem = session.current()[1]
    if problem is not None and problem.is_table and session.upload is not None:
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", session.upload[0]).strip("._") or "data"
        return stem if stem.endswith(".csv") else stem + ".csv"
    return f"playground-{session.config.data}.csv"


def toml_text(session):
    from ..runs import toml_dumps

    name = csv_name(session)
    tables, edited = experiment_tables(session, name)
    config = session.config
    head = ["# nnfit playground experiment: run it with  nnfit fit experiment.toml --out run",
            f"# settings: {config.data}, hidden {list(config.hidden)}, {config.optimizer} "
            f"at {config.learning_rate}"]
    if "csv" in tables["data"]:
        head.append(f"# needs the rows in {name} beside this file (the page's 'data' link)")
    if config.schedule == "cosine" and config.optimizer != "lm" and \
            session.epoch < config.horizon:
        head.append(f"# the page stopped at epoch {session.epoch} of the cosine schedule's "
                    f"{config.horizon}: nnfit fit runs all {config.horizon} (the same path, on)")
    if session.points_epoch > 0:
        head.append(f"# points were added or removed at epoch {session.points_epoch}: this "
                    "experiment trains on the final rows from the start")
    if edited:
        head.append("# weights were edited by hand in the page: the edits are not part of this "
                    "experiment, which trains from the seed's weights")
    return "\n".join(head) + "\n\n" + toml_dumps(tables)


def toml_response(session, request):
    return PlainTextResponse(toml_text(session), media_type="application/toml",
                             headers={"Content-Disposition":
                                      'attachment; filename="experiment.toml"'})


def csv_response(session, request):
    problem = session.current()[1]
    if problem is None:
        raise InvalidOptionError("the session has no data yet")
    text = problem.frame().to_csv(index=False)
    return Response(text, media_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{csv_name(session)}"'})


def _rows(fit, problem):
    """The training rows as the network's inputs and targets (what reports and checks take)."""
    if problem.is_table:
        from ..cli import _rows_for_report

        rows = _rows_for_report(fit, problem.X, problem.y)
        return rows["X"], rows["y"]
    return problem.inputs(problem.X), np.asarray(problem.y)


def _current_fit(session):
    """(fit, problem, epoch) of the session, a network not trained yet made a real
    :class:`~nnfit.Fit` of the same weights (a report and the curvature read a whole Fit)."""
    from .edits import Preview

    fit, problem, epoch, _ = session.current()
    if fit is None:
        raise InvalidOptionError("no network yet; wait for the first picture")
    if isinstance(fit, Preview):
        fit = fit.as_fit(session)
    return fit, problem, epoch


def report_response(session, request):
    import warnings

    from ..report import fit_report

    fit, problem, epoch = _current_fit(session)
    X, y = _rows(fit, problem)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = fit_report(fit, X, y, title=f"nnfit playground: {session.config.data}, "
                            f"epoch {epoch}")
    return HTMLResponse(report.to_html())


MAX_HESSIAN_PARAMS = 2000


def analysis(session):
    """Curvature at the current weights and the picture's extrapolation, as plain numbers."""
    import warnings

    from .. import diagnose

    fit, problem, epoch = _current_fit(session)
    X, y = _rows(fit, problem)
    out = {"epoch": epoch, "n_params": int(sum(np.size(W) + np.size(b)
                                               for W, b in fit.params))}
    if out["n_params"] <= MAX_HESSIAN_PARAMS and fit.n_members == 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            c = diagnose.curvature(fit, X, y.astype(np.float64) if fit.task == "regression"
                                   else y)
        eig = np.sort(np.asarray(c.eigenvalues, np.float64))
        out.update(eigenvalues=[float(v) for v in eig], gradient_norm=float(c.gradient_norm),
                   near_zero=int(len(c.near_zero)), loss=float(c.loss),
                   condition_number=_num(c.condition_number))
    elif fit.n_members > 1:
        out["note"] = (f"the Hessian is computed for one member only: choose members = 1 "
                       f"(this fit has {fit.n_members})")
    else:
        out["note"] = (f"the Hessian of {out['n_params']} parameters is not computed here (at "
                       f"most {MAX_HESSIAN_PARAMS})")
    # the picture's corners against the training rows: where the drawing extrapolates
    grid = session.grid
    if grid is not None:
        score = diagnose.extrapolation_score(X, grid.inputs)
        share = float(np.mean(score.outside))
        out["extrapolation"] = {"share_outside": share, "text": (
            f"{share:.0%} of the picture lies outside the training rows' range: the network "
            "extrapolates there" if share > 0 else "the picture lies within the training range")}
    return out


def _num(value):
    value = float(value)
    return value if np.isfinite(value) else None


def analysis_response(session, request):
    return JSONResponse(analysis(session))
