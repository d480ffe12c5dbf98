"""``nnfit.fit``: validate the user's data and options, train, and return a :class:`~nnfit.Fit`.

This is the one place where user input becomes engine input: every check of a value the user
gave lives here (or in ``_checks``), so the engine below can assume clean arrays.
"""

from __future__ import annotations

import sys
import time
import warnings

import numpy as np

from ._checks import check_features, check_float_range, check_targets
from ._fitdata import encode_targets, split_validation, weights
from .errors import InvalidOptionError
from ._fitscores import scores, test_rows, validation_warnings
from ._members import members, start_params
from .options import FitOptions

DTYPES = {"float32": np.float32, "float64": np.float64}


def fit(model, X, y, *, optimizer="adam", learning_rate=0.001, epochs=200, batch_size=32,
        validation_split=0.0, validation_data=None, validation_shuffle=False, test_data=None,
        shuffle=True,
        loss=None, l1=0.0, l2=0.0,
        sample_weight=None, early_stopping=False, n_iter_no_change=10, tol=1e-4,
        target_loss=None, gtol=None, ftol=None, max_evaluations=None, restore_best_weights=None,
        monitor=None, n_members=1, seed=0, dtype="float32", task=None, missing="impute",
        scale_target=None,
        schedule="constant", momentum=None, beta_1=None, beta_2=None, epsilon=None,
        power_t=0.5, decay_rate=0.96, init_params=None, verbose=False, callback=None,
        chunk_epochs=None, metrics=None):
    """Train an :class:`~nnfit.MLP` on ``X``, ``y`` and return the :class:`~nnfit.Fit`.

    The whole run (every epoch, mini-batch and validation pass) is one compiled program; with
    ``n_members > 1`` (or per-member learning rates or penalties) all members train together.

    Parameters
    ----------
    model : MLP
        The network specification; output ``linear`` for regression, ``sigmoid`` (labels 0/1)
        or ``softmax`` (integer labels 0..k-1) for classification.
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    optimizer : Optimizer, dict or {'adam', 'sgd', 'gd', 'momentum', 'nesterov', 'adamw', \
'rmsprop', 'adagrad', 'lbfgs', 'lm', 'trf'}
        An optimizer value of :mod:`nnfit.optim` (``Adam(b2=0.99)``, ``Momentum(0.9,
        nesterov=True)``, ``LBFGS(memory_size=20)``), its dict form (``{"name": "adam",
        "b1": 0.8}``), or its name; ``gd`` is plain gradient descent (use ``batch_size=None``
        for full-batch). ``lbfgs`` is optax's L-BFGS with a zoom line search on the full batch
        (``learning_rate`` unused), one history row per iteration, with two more columns:
        ``grad_max_abs`` (the largest absolute gradient component at the iteration's start)
        and ``evaluations`` (see ``max_evaluations``); ``gtol``, ``ftol`` and
        ``max_evaluations`` stop it as scipy's L-BFGS-B stops. ``lm`` (Levenberg–Marquardt)
        and ``trf`` (trust region) are ``scipy.optimize.least_squares`` with the exact JAX
        Jacobian, for regression with ``mse``/``sse``: ``epochs`` caps the evaluations and
        ``fit.solver_info`` reports cost, status, message, nfev and optimality per member.
    learning_rate : float or array of shape (n_members,) or optax schedule
        A vector trains one member per rate (same seed unless ``n_members`` matches it).
    epochs : int
        Maximum number of passes over the training data.
    batch_size : int or None
        Mini-batch size; ``None`` means the whole training set (full-batch). The last batch may
        be short: it is weighted by its real rows, as in Keras.
    validation_split : float in [0, 1)
        Hold out the *last* fraction of the rows, unshuffled (Keras' rule).
    validation_data : (X_val, y_val) or (X_val, y_val, sample_weight_val), optional
        Explicit validation data; overrides ``validation_split``.
    validation_shuffle : bool
        Take the ``validation_split`` rows at random (seeded by ``seed``, stratified by class
        for classification) instead of the last rows; the command line's default.
    test_data : (X_test, y_test), optional
        Rows never used in training: only scored, beside the baselines, in ``fit.scores``.
    shuffle : bool
        Reshuffle the training rows every epoch (from the seed).
    loss : str, optional
        ``mse`` (default for regression), ``sse`` (half the sum), ``mae``, ``huber``,
        ``poisson`` (half the Poisson deviance, with and default for ``output='exp'``);
        ``binary_crossentropy`` / ``categorical_crossentropy`` (defaults for classification).
    l1, l2 : float, sequence of float (one per layer), or array (n_members, n_layers or 1)
        Penalty strength on the weights (not biases) of each dense layer, Keras' kernel
        regularizer: ``l2 * sum(W ** 2)`` is added to every batch's loss.
    sample_weight : array-like of shape (n_samples,), optional
    early_stopping : bool
        Stop a member when the monitored loss (``val_loss`` with validation data, else ``loss``)
        has not improved by more than ``tol`` for ``n_iter_no_change`` epochs.
    n_iter_no_change : int
        The patience.
    tol : float
        The improvement that counts as progress.
    target_loss : float, optional
        Stop a member as soon as the monitored loss is below this (seed 002's ``< 2e-5``).
    gtol, ftol : float, optional
        ``lbfgs`` only: scipy's L-BFGS-B convergence tests, checked at the start of every
        iteration, before its step. A member stops when the largest absolute component of the
        objective's gradient (penalty included) is ``<= gtol`` (reason
        ``'gradient_below_gtol'``), or when the objective's relative decrease over the last
        iteration, ``(f_prev - f) / max(|f_prev|, |f|, 1)``, is ``<= ftol`` (reason
        ``'decrease_below_ftol'``). The stopping check is not an iteration: the history
        keeps the iterations taken. Off by default, so that ``epochs`` alone ends a run, as
        before; scipy's defaults are ``gtol=1e-5`` and ``ftol=2.220446049250313e-09``.
    max_evaluations : int, optional
        ``lbfgs`` only: a budget of objective-and-gradient evaluations (scipy's ``maxfun``). An
        iteration costs one evaluation at its start plus one per point its line search tries
        (history column ``evaluations``, the running count); no iteration starts once the
        budget is spent (reason ``'max_evaluations'``), so the last one may overrun it by its
        line search (at most 20). Off by default.
    restore_best_weights : bool, optional
        Return the parameters of the best monitored epoch (full batch, watching the training
        loss: those that loss was measured at, the epoch's start); default: ``early_stopping``.
    monitor : str, optional
        The history column that early stopping, ``target_loss`` and the best epoch watch:
        ``val_loss`` (the default with validation data), ``loss`` (without), or any metric
        such as ``val_mse`` or ``val_accuracy`` (accuracies count as better when higher).
    n_members : int
        Number of members trained together; member ``i`` uses seed ``seed + i``.
    seed : int or sequence of int
        Initial weights and shuffling; a sequence gives each member its own.
    dtype : {'float32', 'float64'}
        float64 runs inside ``jax.enable_x64``, leaving the user's own JAX settings untouched.
    task : {'regression', 'classification'}, optional
        Default: classification when the model's output is ``sigmoid``/``softmax`` or a table's
        target holds labels (strings, booleans, a few integers), else regression. A
        classification task with a ``linear`` output trains a ``sigmoid`` (two classes) or
        ``softmax`` output instead; ``fit.notes`` says so.
    missing : {'impute', 'drop', 'error'}
        A table's missing feature values: the training rows' median (numbers) or most frequent
        value (categories), the row left out, or an error naming the cell.
    scale_target : bool, optional
        Train a regression on the standardised target (the training rows' mean and standard
        deviation), then fold them into the output layer: predictions and the history are in
        the target's units. Default: on for tables (a DataFrame ``X``), off for arrays.
    schedule : {'constant', 'invscaling', 'exponential', 'cosine', 'adaptive'}
        Learning-rate schedule built on ``learning_rate`` (``power_t``, ``decay_rate`` tune it);
        ``adaptive`` divides the rate by 5 whenever the epoch's loss has not improved by ``tol``
        for ``n_iter_no_change`` epochs (optax's reduce_on_plateau); with ``early_stopping``
        it is scikit-learn's rule: where early stopping would stop, the rate is divided by 5
        instead and the patience starts again, and training stops once the rate is at most
        1e-6.
    momentum, beta_1, beta_2, epsilon : float, optional
        Settings of an optimizer given by name, filling its fields (``beta_1`` is
        :class:`~nnfit.optim.Adam`'s ``b1``...); unset, the optimizer's own defaults (Keras':
        momentum 0.9 for ``momentum``/``nesterov``, eps 1e-7). A setting the optimizer does
        not have is refused.
    init_params : list of (W, b), optional
        Start from these parameters (same layout as ``Fit.params``) instead of drawing them:
        a warm start.
    verbose : bool
        Show a progress bar.
    callback : callable(epochs_done, records), optional
        Called after each chunk of epochs; raising ``KeyboardInterrupt`` stops training cleanly.
    chunk_epochs : int, optional
        Epochs per compiled call. By default each call runs as many epochs as take about a
        quarter of a second; progress and Ctrl-C act between calls.
    metrics : sequence of str, optional
        Recorded each epoch on the training (and validation) rows besides the loss: some of
        ``mse``, ``mae`` (regression) or ``accuracy``; default all (``lm``, ``trf``: always
        all). Each costs a reduction a mini-batch, a few percent of a small network's step.

    Returns
    -------
    Fit

    Raises
    ------
    TrainingDiverged
        When the loss becomes non-finite; its ``fit`` holds the last finite parameters.

    Examples
    --------
    >>> import numpy as np, nnfit
    >>> X = np.linspace(-1, 1, 64)[:, None]; y = X[:, 0] ** 2
    >>> fit = nnfit.fit(nnfit.MLP(hidden=(8,), activation="tanh"), X, y, learning_rate=0.05,
    ...                 epochs=50, seed=0)
    >>> fit.predict(X).shape
    (64,)
    """
    keywords = dict(locals())
    data_args = {k: keywords.pop(k) for k in DATA_ARGUMENTS}
    model, X, y = keywords.pop("model"), keywords.pop("X"), keywords.pop("y")
    return fit_options(model, X, y, FitOptions(**keywords), **data_args)


# the arguments of fit that are data or hooks, not options: a Fit never keeps them
DATA_ARGUMENTS = ("validation_data", "test_data", "sample_weight", "init_params", "callback")


def fit_options(model, X, y, options, *, validation_data=None, test_data=None,
                sample_weight=None, init_params=None, callback=None, assess=True,
                init_state=None, keep_state=False, on_note=None):
    """:func:`fit` with its options already validated as a :class:`~nnfit.options.FitOptions`.

    Parameters
    ----------
    model : MLP
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
    options : FitOptions
    validation_data, test_data, sample_weight, init_params, callback
        As in :func:`fit`.
    assess : bool
        Score the fit and its baselines (:attr:`Fit.scores`); the estimators, which keep
        scikit-learn's contract and cost, do not.
    on_note : callable(str), optional
        Receives each of a table's notes before training (default with ``verbose``: printed
        to standard error).
    init_state : engine.TrainState, optional
        Go on from a previous run's final state (parameters, optimizer state, best epoch),
        as :func:`nnfit.engine.train` takes it; gradient optimizers only.
    keep_state : bool
        Keep the run's final :class:`~nnfit.engine.TrainState` (optimizer state included, on
        the device) as the Fit's ``engine_state``, for a later ``init_state``; off, a Fit
        holds no more memory than its parameters.

    Returns
    -------
    Fit
    """
    import jax

    from .mlp import MLP

    if not isinstance(model, MLP):
        raise InvalidOptionError(f"model must be an nnfit.MLP, got {type(model).__name__}; "
                                 "e.g. nnfit.MLP(hidden=(5, 5), activation='relu')")
    if not isinstance(options, FitOptions):
        raise InvalidOptionError(f"options must be an nnfit.options.FitOptions, got "
                                 f"{type(options).__name__}")
    if callback is not None and not callable(callback):
        raise InvalidOptionError(f"callback must be callable(epochs_done, records), got {callback!r}")
    data_args = dict(validation_data=validation_data, test_data=test_data,
                     sample_weight=sample_weight,
                     init_params=init_params, callback=callback, table=None, assess=assess,
                     init_state=init_state, keep_state=keep_state, on_note=on_note)
    from .tabular import is_table

    if is_table(X):  # columns -> numbers, learned from the training rows (nnfit.tabular)
        from ._tablefit import prepare_table

        table = prepare_table(model, X, y, options, validation_data=validation_data,
                              test_data=test_data, sample_weight=sample_weight)
        model, X, y = table.model, table.X, table.y
        data_args.update(validation_data=table.validation_data,
                         test_data=table.test_data, sample_weight=table.sample_weight,
                         table=table)
    if options.dtype == "float64":
        with jax.enable_x64(True):
            return _fit(model, X, y, options, **data_args)
    return _fit(model, X, y, options, **data_args)


def _fit(model, X, y, options, *, validation_data, test_data, sample_weight, init_params,
         callback, table, assess, init_state=None, keep_state=False, on_note=None):
    from . import _programs, engine, objectives
    from ._memory import check_training_memory
    from ._progress import EpochProgress
    from ._targetscale import TargetScale
    from .fitted import Fit

    started = time.perf_counter()
    o = options
    if table is not None:
        feature_names = table.spec.input_names
    else:
        feature_names = tuple(map(str, X.columns)) if hasattr(X, "columns") else None
    X = check_features(X)
    y = check_targets(y, len(X))
    model, task = _task(model, o.task, y, table)
    Y, classes, y_shape = encode_targets(model, y, task, table and table.n_classes)
    n_classes = None if classes is None else len(classes)
    w = weights(sample_weight, len(X))
    X_tr, Y_tr, w_tr, X_val, Y_val, w_val = split_validation(
        model, X, Y, w, task, n_classes, 0.0 if table else o.validation_split, validation_data,
        shuffle=o.validation_shuffle, seed=o.seed)
    test = test_rows(model, task, test_data, X, n_classes)  # checked before training
    data_warnings = validation_warnings(task, Y_tr, Y_val, table, o,
                                        given=table.validation_given if table is not None
                                        else validation_data is not None)
    for message in data_warnings:
        warnings.warn(message, UserWarning, stacklevel=4)
    scored = (X_tr, Y_tr, w_tr, X_val, Y_val, w_val)  # in the target's units
    scale = None
    if task == "regression" and model.output == "linear" and (
            o.scale_target if o.scale_target is not None else bool(table)):
        scale = TargetScale.learn(Y_tr, w_tr)
        Y_tr, Y_val = scale.apply(Y_tr), scale.apply(Y_val)
    given_w = None if sample_weight is None else w  # ones need no check
    for name, values in (("X", X), ("y", Y), ("sample_weight", given_w), ("X_val", X_val),
                         ("y_val", Y_val), ("validation weights", w_val)):
        if values is not None:
            check_float_range(name, values, o.dtype)
    metrics = objectives.metric_names(task, o.metrics)
    monitor = _monitor(o.monitor, metrics, X_val is not None)
    loss = objectives.canonical_loss(o.loss or (
        ("poisson" if model.output == "exp" else "mse") if task == "regression" else (
            "binary_crossentropy" if model.output == "sigmoid" else "categorical_crossentropy")),
        task)
    _check_poisson(model, loss, Y)
    if o.optimizer.least_squares and (task != "regression" or loss not in ("mse", "sse")):
        raise InvalidOptionError(
            f"optimizer {o.optimizer.label!r} is least squares: it fits regression with loss "
            f"'mse' or 'sse', not {task} with {loss!r}; use a gradient optimizer such as 'adam'")
    network = model.build(X.shape[1], Y.shape[1], X_tr)
    _check_normalisation(network, o.dtype)
    n_layers = len(network.layer_sizes) - 1
    n_members, hyper, seeds = members(o, n_layers)
    if scale is not None:
        if o.target_loss is not None:  # given in the target's units
            hyper = (*hyper[:4], scale.target_loss(hyper[4], monitor, loss), *hyper[5:])
        if init_params is not None:
            init_params = scale.unfold(init_params)
    check_training_memory(network.layer_sizes, n_members=n_members, n_train=len(X_tr),
                          n_val=0 if X_val is None else len(X_val),
                          batch_size=None if o.full_batch else o.batch_size,
                          itemsize=np.dtype(o.dtype).itemsize, optimizer=o.optimizer)
    start = start_params(init_params, network, n_members, DTYPES[o.dtype])
    static, batch = engine.plan(o, network, loss=loss, task=task, metrics=metrics,
                                monitor=monitor, n_train=len(X_tr), n_members=n_members,
                                has_validation=X_val is not None,
                                uses_l1=bool(np.any(hyper[1] != 0)),
                                uses_l2=bool(np.any(hyper[2] != 0)))
    f = DTYPES[o.dtype]
    # the network (its normalisation) and input_stats see the real rows; only the engine's
    # arrays are padded, and least squares, which counts residuals, gets the exact rows
    data = engine.make_data(X_tr, Y_tr, w_tr, X_val, Y_val, w_val, network.mean, network.var, f,
                            pad=not o.optimizer.least_squares)
    hyper = engine.Hyper(*(np.asarray(h, f) for h in hyper))
    _programs.cache_from_environment()
    if table is not None and (on_note is not None or o.verbose):  # decided before training
        for note in table.notes:
            (on_note or (lambda text: print(f"note: {text}", file=sys.stderr)))(note)
    # 'trf' solves member after member (progress counts members), 'lm' steps them together
    with EpochProgress(o.verbose, n_members if o.optimizer.name == "trf" else o.epochs,
                       callback, None if scale is None else
                       (lambda records: scale.records(records, loss))) as on_chunk:
        if o.optimizer.least_squares:
            from .least_squares import solve
            result = solve(static, data, hyper, seeds, o.epochs, method=o.optimizer.name,
                           init_params=start, on_chunk=on_chunk)
        else:
            result = engine.train(static, data, hyper, seeds, o.epochs, init_params=start,
                                  init_state=init_state, restore_best=static.track_best,
                                  on_chunk=on_chunk, fixed=o.chunk_epochs)
    options = o.to_dict()
    # what the run resolved, beside the options: the loss, the seeds, a batch's real rows
    config = {**options, "loss": loss, "n_members": n_members, "seeds": list(map(int, seeds)),
              "batch_rows": batch, "model": _model_config(model), "options": options}
    solver_info = getattr(result, "solver_info", None)
    if scale is not None:  # the network and its history in the target's units
        result.params, result.records = scale.fold(result.params), scale.records(result.records,
                                                                                 loss)
        solver_info = scale.solver_info(solver_info)
        config["target_scale"] = scale.to_dict()
    result.timings["total_s"] = time.perf_counter() - started
    fitted = Fit.from_engine(network, result, config=config, task=task,
                             classes=classes if table is None or task == "regression" else
                             np.asarray(table.spec.labels), y_shape=y_shape,
                             feature_names=feature_names, dtype=o.dtype, solver_info=solver_info,
                             input_stats=_input_stats(X_tr))
    fitted.options = o
    if keep_state:
        fitted.engine_state = getattr(result, "state", None)
    fitted.table = None if table is None else table.spec
    fitted.notes = [] if table is None else list(table.notes)
    if scale is not None:
        names = (table.spec.target if table is not None else
                 ["y"] if len(scale.mean) == 1 else [f"y{j + 1}" for j in range(len(scale.mean))])
        fitted.notes.append(scale.note(names))
    fitted.data_warnings = data_warnings
    if assess:
        fitted.scores = scores(fitted, *scored, test)
    _report_stops(fitted, result, o)
    return fitted


def _task(model, task, y, table):
    """The task, and the model with an output for it: the table's, the option, the output's."""
    from dataclasses import replace

    if table is not None:
        return model, table.spec.task
    implied = "regression" if model.output in ("linear", "exp") else "classification"
    if task is None or task == implied:
        return model, implied
    if task == "regression":
        raise InvalidOptionError(f"task='regression' but the model's output is {model.output!r}; "
                                 "use output='linear'")
    labels = np.unique(y) if y.ndim == 1 else y
    return replace(model, output="sigmoid" if labels.size <= 2 else "softmax"), task


def _check_poisson(model, loss, Y):
    """The Poisson loss and the exp output go together, on targets >= 0."""
    if (loss == "poisson") != (model.output == "exp"):
        raise InvalidOptionError(
            f"loss {loss!r} with output {model.output!r}: the Poisson loss takes the exp "
            "output's log link; use loss='poisson' with output='exp' (or neither)")
    if loss == "poisson" and np.min(Y) < 0:
        raise InvalidOptionError(f"loss 'poisson' needs targets >= 0 (counts, rates); y has "
                                 f"{np.min(Y):g}")


def _check_normalisation(network, dtype):
    """The normalisation's variance must be finite in ``dtype``: else every input becomes 0."""
    if network.var is None:
        return
    var = np.asarray(network.var, np.float64)
    bad = ~(np.isfinite(var) & (var <= np.finfo(dtype).max))
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise InvalidOptionError(
            f"X column {j}'s variance ({var[j]:.3g}) overflows {dtype} when normalize=True "
            "standardises it (every input would become 0): scale the column"
            + (" or use dtype='float64'" if dtype == "float32" else ""))


def _input_stats(X):
    """Range, mean and covariance of the training inputs (n, d), for extrapolation checks."""
    X = np.asarray(X, np.float64)
    mean = X.mean(axis=0)  # np.cov's estimate below, without its argument handling
    cov = (X - mean).T @ (X - mean) / (len(X) - 1) if len(X) > 1 else np.zeros((X.shape[1],) * 2)
    return {"min": X.min(axis=0), "max": X.max(axis=0), "mean": mean, "cov": cov}


def _monitor(name, metrics, has_validation):
    """The history column to watch: checked against what this run records."""
    columns = ["loss", *metrics]
    allowed = columns + ([f"val_{m}" for m in columns] if has_validation else [])
    if name is None:
        return "val_loss" if has_validation else "loss"
    if name not in allowed:  # a column this run does not record (validation, metrics=)
        raise InvalidOptionError(f"unknown monitor {name!r}; this run records {', '.join(allowed)} "
                         "(validation columns need validation data; metrics= chooses the rest)")
    return name


def _model_config(model):  # numbers, strings and tuples of them: no deep copy (asdict)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in vars(model).items()}


def _report_stops(fitted, result, o):
    """Raise on divergence, warn on interruption or on stopping before convergence."""
    from .engine import TrainingDiverged

    reasons = result.reasons
    if "diverged" in reasons:
        member = reasons.index("diverged")
        epoch = int(result.epochs_run[member])
        raise TrainingDiverged(
            f"training diverged in epoch {epoch + 1} (member {member}): the loss or the weights "
            f"became non-finite. The last finite parameters (after epoch {epoch}) and the history "
            f"are kept in error.fit. Lower the learning rate (it was {o.learning_rate!r}) or "
            f"normalise the inputs (MLP(normalize=True)).", fit=fitted)
    if result.interrupted:
        warnings.warn(f"training interrupted after epoch {int(result.epochs_run.max())} of "
                      f"{o.epochs}; the Fit holds what was trained so far", UserWarning,
                      stacklevel=4)
    elif "max_evaluations" in reasons:
        from sklearn.exceptions import ConvergenceWarning

        if o.optimizer.name == "lbfgs":
            warnings.warn(f"{reasons.count('max_evaluations')} member(s) spent "
                          f"max_evaluations={o.max_evaluations} objective evaluations before "
                          "converging; raise max_evaluations", ConvergenceWarning, stacklevel=4)
        else:
            warnings.warn(f"least squares stopped at max_nfev={o.epochs} evaluations before "
                          "converging; raise epochs", ConvergenceWarning, stacklevel=4)
    elif "completed" in reasons and (stoppers := _stoppers(o)):
        from sklearn.exceptions import ConvergenceWarning

        warnings.warn(f"{reasons.count('completed')} member(s) used all {o.epochs} epochs "
                      f"before {' or '.join(stoppers)} stopped them; raise epochs",
                      ConvergenceWarning, stacklevel=4)


def _stoppers(o):
    """The tests that were asked to stop a run before its last epoch, in words."""
    return [text for text, on in (("early stopping", o.early_stopping),
                                  ("the target loss", o.target_loss is not None),
                                  ("gtol", o.gtol is not None),
                                  ("ftol", o.ftol is not None)) if on]
