"""scikit-learn's bookkeeping around nnfit's compiled training, epoch by epoch.

The engine decides when to stop (and, for 'adaptive', when to divide the rate by 5) inside its
compiled loop; scikit-learn's users also read what its ``_fit_stochastic`` prints and carries
from one ``partial_fit`` call to the next. Here, on the host:

- :class:`VerboseLines` prints scikit-learn's lines for every epoch as the engine reports it
  ("Iteration N, loss = ...", "Validation score: ..."), and its messages where the run stops
  or the rate falls. It finds those epochs by replaying the engine's rule on the recorded
  values of the first member, in the training dtype, so it says what the engine did.
- :func:`end_partial_epoch` is scikit-learn's end of a ``partial_fit`` epoch: the loss curve,
  ``t_``, the no-improvement count, the 'invscaling' rate and the 'adaptive' division by 5.
- :class:`ContinuedRun` keeps the engine's final state and rebuilds from it the state a warm
  start (a new optimizer, the count and best score kept) or a partial_fit call (the optimizer
  state kept: Adam's moments, SGD's velocity) goes on from.
"""

from __future__ import annotations

import numpy as np

from ._sklearn_compat import MIN_ADAPTIVE_RATE


def stop_message(early_stopping, tol, n_iter_no_change):
    """scikit-learn's words where the loss (or validation score) has stopped improving."""
    what = "Validation score" if early_stopping else "Training loss"
    return (f"{what} did not improve more than tol={tol:f} for {n_iter_no_change} "
            f"consecutive epochs.")


class VerboseLines:
    """A ``callback(epochs_done, records)`` for :func:`nnfit.fit` that prints scikit-learn's
    verbose lines.

    Parameters
    ----------
    c : float
        scikit-learn's loss over nnfit's (``loss_curve_ = c * loss``).
    scores : callable(records) -> ndarray (epochs,) or None
        The validation score of every epoch of a chunk (None without early stopping).
    rule : dict or None
        The engine's stopping rule to replay: ``monitor``, ``tol`` and ``patience`` as the
        engine has them, ``adaptive`` and the base ``rate``, and ``message`` (the words
        before "Stopping."); None prints no messages (lbfgs, least squares).
    """

    def __init__(self, c, scores, rule):
        self.c, self.scores, self.rule = c, scores, rule
        self.iteration = 0
        self.best = self.wait = self.scale = None

    def __call__(self, done, records):
        recorded = records["recorded"]
        with np.errstate(all="ignore"):
            loss = self.c * _nanmean(records["loss"])
            scores = None if self.scores is None else self.scores(records)
        for i in range(recorded.shape[1]):
            if not recorded[:, i].any():
                continue
            self.iteration += 1
            print("Iteration %d, loss = %.8f" % (self.iteration, loss[i]))
            if scores is not None:
                print("Validation score: %f" % scores[i])
            if self.rule is not None and recorded[0, i]:
                self._replay(records[self.rule["monitor"]][0, i])

    def finish(self, epochs, scores=None, c_loss=None):
        """Lines for epochs the engine did not run (NaN after non-finite weights)."""
        for epoch in range(epochs):
            self.iteration += 1
            print("Iteration %d, loss = %.8f" % (self.iteration, np.nan))
            if scores is not None:
                print("Validation score: %f" % np.nan)

    def _replay(self, value):
        """One epoch of the engine's rule (nnfit.engine._run_epoch), in its dtype."""
        rule = self.rule
        dtype = value.dtype.type
        if self.best is None:
            self.best, self.wait, self.scale = dtype(np.inf), 0, dtype(1.0)
        score = -value if rule["monitor"].endswith("accuracy") else value
        improved = score < self.best - dtype(rule["tol"])
        self.wait = 0 if improved else self.wait + 1
        if score < self.best:
            self.best = score
        if not rule["stops"] or self.wait < rule["patience"]:
            return
        if rule["adaptive"]:
            rate = dtype(rule["rate"]) * self.scale
            if rate > dtype(MIN_ADAPTIVE_RATE):
                self.scale = self.scale / dtype(5)
                self.wait = 0
                print(rule["message"] + " Setting learning rate to %f"
                      % (rule["rate"] * float(self.scale)))
                return
            print(rule["message"] + " Learning rate too small. Stopping.")
            return
        print(rule["message"] + " Stopping.")


class ContinuedRun:
    """What an estimator keeps to go on from its last fit (a mixin of the MLP estimators).

    ``_engine_state`` is the engine's final :class:`~nnfit.engine.TrainState` (parameters,
    optimizer state, best score, no-improvement count, rate factor), kept on the device with
    the key of the run it belongs to; ``_learning_rate`` and ``_no_improvement_count`` are
    scikit-learn's optimizer rate and count between partial_fit calls.
    """

    def _state_key(self, optimizer, dtype):
        return (optimizer, dtype, tuple(c.shape for c in self.coefs_), int(self.n_members))

    def _current_params(self):
        """The weights to go on from: ``coefs_`` and ``intercepts_`` as they are now."""
        return [(np.asarray(W), np.asarray(b)) for W, b in zip(self.coefs_, self.intercepts_)]

    def _resume_state(self, incremental, optimizer):
        """The engine state to go on from, or None (a fresh optimizer from ``coefs_``).

        partial_fit keeps the optimizer's state (Adam's moments, SGD's velocity) from call to
        call and from a previous fit, as scikit-learn keeps its optimizer; a warm-started fit
        starts a new optimizer but keeps the no-improvement count and the best score."""
        state = getattr(self, "_engine_state", None)
        dtype = getattr(self, "_dtype", None)
        if state is None or getattr(self, "_engine_key", None) != self._state_key(optimizer, dtype):
            return None
        m = int(self.n_members)
        params = np.stack([np.concatenate([np.ravel(a[i] if m > 1 else a)
                                           for W, b in self._current_params() for a in (W, b)])
                           for i in range(m)]).astype(dtype, copy=False)
        f = np.dtype(dtype).type
        fresh = dict(params=params, epoch=np.zeros(m, np.int32), stopped=np.zeros(m, bool),
                     reason=np.zeros(m, np.int32))
        if not incremental:
            import jax

            fresh.update(opt_state=jax.tree.map(lambda a: np.zeros(a.shape, a.dtype),
                                                state.opt_state),
                         lr_scale=np.ones(m, f))
            if getattr(self, "_engine_monitor", None) != self._monitor():
                fresh.update(best_score=np.full(m, np.inf, f), wait=np.zeros(m, np.int32))
        return state._replace(**fresh)

    def _monitor(self):
        return "val" if self.early_stopping else "loss"

    def _partial_rate(self):
        """The rate of a partial_fit epoch: scikit-learn's optimizer's current rate."""
        if getattr(self, "_learning_rate", None) is None:
            self._progress_after_fit()
        return self._learning_rate

    def _progress_after_fit(self):
        """What partial_fit goes on with after a fit (read when first needed: a fit that is
        not continued does not wait for the device): the no-improvement count and the rate
        of scikit-learn's optimizer, 'adaptive' lowered as the engine lowered it."""
        state = getattr(self, "_engine_state", None)
        rate, count = float(self.learning_rate_init), 0
        if state is not None and hasattr(self, "fit_"):
            import jax

            wait, scale = jax.device_get((state.wait, state.lr_scale))
            count = int(wait[0])
            if self._adaptive():
                rate *= float(scale[0])
        if self._is_invscaling() and getattr(self, "t_", 0):
            rate = rate / (self.t_ + 1) ** float(self.power_t)
        self._learning_rate, self._no_improvement_count = rate, count


def _nanmean(values):
    """The members' mean of each epoch, (n_members, epochs) -> (epochs,); NaN where none ran."""
    if values.shape[0] == 1:
        return values[0].astype(np.float64)
    with np.errstate(all="ignore"):
        return np.nanmean(values.astype(np.float64), axis=0)


def end_partial_epoch(est, loss, n_samples, adaptive, invscaling):
    """scikit-learn's end of one ``partial_fit`` epoch (``_fit_stochastic`` with
    ``incremental=True``), on the estimator's host-side state.

    ``n_iter_`` is 1 after every call, as in scikit-learn (which counts the epochs of the
    current call); ``t_`` and ``loss_curve_`` go on. The rate of the next call:
    'invscaling' ``learning_rate_init / (t_ + 1) ** power_t``, 'adaptive' divided by 5
    where the loss has not improved by ``tol`` for ``n_iter_no_change + 1`` calls in a row.
    """
    est.n_iter_ = 1
    est.t_ += n_samples
    est.loss_curve_.append(loss)
    est.loss_ = loss
    if est.verbose:
        print("Iteration %d, loss = %.8f" % (est.n_iter_, loss))
    best = np.inf if est.best_loss_ is None else est.best_loss_
    est._no_improvement_count = est._no_improvement_count + 1 if loss > best - est.tol else 0
    if loss < best:
        est.best_loss_ = loss
    if invscaling:
        est._learning_rate = float(est.learning_rate_init) / (est.t_ + 1) ** float(est.power_t)
    if est._no_improvement_count > est.n_iter_no_change:
        message = stop_message(False, est.tol, est.n_iter_no_change)
        if not adaptive:
            if est.verbose:
                print(message + " Stopping.")
        elif est._learning_rate <= MIN_ADAPTIVE_RATE:
            if est.verbose:
                print(message + " Learning rate too small. Stopping.")
        else:
            est._learning_rate /= 5.0
            est._no_improvement_count = 0
            if est.verbose:
                print(message + " Setting learning rate to %f" % est._learning_rate)
