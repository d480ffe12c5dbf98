"""nnfit on the peer workload, through its public contract only::

    model = nnfit.MLP(hidden=(5, 5), activation="relu", normalize=True)
    fit = nnfit.fit(model, X, y, optimizer="adam", learning_rate=0.01, epochs=200, batch_size=32,
                    validation_split=0.2, n_members=1, seed=0)

The same fit runs twice in one process: the first call is *cold* (tracing and XLA compilation,
or a load from JAX's persistent compilation cache if one is configured), the second is *warm*
(the compiled program is reused). ``train_s`` is the wall-clock of the warm ``nnfit.fit`` call,
the same measure as Keras' ``model.fit`` call; ``train_cold_s`` is the cold one, and nnfit's own
``fit.timings`` of both calls are reported beside them. An ensemble of ``--members`` seeds
(default 100) is timed the same way and compared with the single model.

The nnfit under test is this checkout's ``src/`` (or the ``NNFIT_SRC`` directory), put first on
``sys.path``. If nnfit or its contract is not there yet, the script says "unavailable" and prints
no numbers. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import workload as w

MEMBERS = 100


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=w.SEED, help="initialisation and shuffling seed")
    parser.add_argument("--members", type=int, default=MEMBERS,
                        help="ensemble size of the vectorised variant; 0 skips it")
    return parser.parse_args(argv)


def load_nnfit():
    """Import the nnfit under test, or return ``(None, reason)`` when its contract is not there.

    ``import nnfit`` alone proves little: the package resolves its public names lazily, so the
    names the benchmark calls are looked up here too.
    """
    src = Path(os.environ.get("NNFIT_SRC", Path(__file__).resolve().parents[1] / "src"))
    if (src / "nnfit" / "__init__.py").is_file():
        sys.path.insert(0, str(src))
    try:
        import nnfit
        nnfit.MLP, nnfit.fit  # noqa: B018 -- lazy names: touching them imports their modules
    except Exception as exc:  # any failure means "not benchmarkable", never a made-up number
        return None, f"{type(exc).__name__}: {exc}"
    return nnfit, None


def timed_fit(nnfit, X, y, n_members: int, seed: int):
    """One ``nnfit.fit`` call as a user makes it; returns ``(wall-clock seconds, fit)``."""
    model = nnfit.MLP(hidden=w.HIDDEN, activation="relu", normalize=True)
    with w.stopwatch() as elapsed:
        fit = nnfit.fit(model, X, y, optimizer="adam", learning_rate=w.LEARNING_RATE,
                        epochs=w.EPOCHS, batch_size=w.BATCH_SIZE,
                        validation_split=w.VALIDATION_SPLIT, n_members=n_members, seed=seed)
        # JAX dispatches asynchronously; reading the history makes sure the run has finished.
        len(fit.mean_history)
    return elapsed(), fit


def cold_and_warm(nnfit, X, y, n_members: int, seed: int):
    """Two identical fits in one process: ``(cold_s, warm_s, cold_fit, warm_fit)``."""
    cold_s, cold_fit = timed_fit(nnfit, X, y, n_members, seed)
    warm_s, warm_fit = timed_fit(nnfit, X, y, n_members, seed)
    return cold_s, warm_s, cold_fit, warm_fit


def history_val_mse(fit):
    """The last epoch's validation MSE as nnfit recorded it, or None if it has no such column."""
    for column in ("val_mse", "val_loss"):
        if column in fit.mean_history.columns:
            return float(fit.mean_history[column].iloc[-1])
    return None


def rounded(timings) -> dict:
    return {key: round(float(value), 4) for key, value in dict(timings).items()}


def ensemble_result(nnfit, X, y, X_val, y_val, n_members: int, seed: int, single_warm_s: float):
    """Time an ``n_members`` ensemble; its validation MSE is that of the mean prediction."""
    cold_s, warm_s, _, fit = cold_and_warm(nnfit, X, y, n_members, seed)
    return {"n_members": n_members, "train_s": round(warm_s, 4), "train_cold_s": round(cold_s, 4),
            "ratio_to_single": round(warm_s / single_warm_s, 2),
            "val_mse": w.mse(y_val, fit.predict(X_val)), "timings": rounded(fit.timings)}


def jax_info() -> dict:
    import jax
    return {"jax": jax.__version__, "backend": jax.default_backend(),
            "compilation_cache_dir": jax.config.jax_compilation_cache_dir}


def main() -> None:
    args = parse_args()
    nnfit, reason = load_nnfit()
    if nnfit is None:
        w.emit_unavailable("nnfit", reason)
        return
    X, y = w.make_data()
    _, _, X_val, y_val = w.split(X, y)

    cold_s, warm_s, cold_fit, fit = cold_and_warm(nnfit, X, y, 1, args.seed)
    epochs = len(fit.mean_history)
    extra = {"train_cold_s": round(cold_s, 4), "timings_warm": rounded(fit.timings),
             "timings_cold": rounded(cold_fit.timings), "history_val_mse": history_val_mse(fit),
             **jax_info()}
    if args.members > 0:
        extra["ensemble"] = ensemble_result(nnfit, X, y, X_val, y_val, args.members, args.seed,
                                            warm_s)
    w.emit("nnfit", nnfit.__version__, warm_s, w.mse(y_val, fit.predict(X_val)), epochs,
           epochs * w.steps_per_epoch(), args.seed, **extra)


if __name__ == "__main__":
    main()
