"""scikit-learn's MLPRegressor on the peer workload.

A Pipeline of StandardScaler (fitted on the training rows, like the other normalisers) and
MLPRegressor trained on the first 80 % of the rows. Early stopping is disabled so every run does all
200 epochs: ``tol=0`` and ``n_iter_no_change=200`` (sklearn stops only after more than 200 epochs
without improvement), and ``alpha=0`` so the loss is plain MSE, with no L2 penalty the others lack.
(sklearn minimises MSE / 2; Adam's steps do not depend on that factor beyond its tiny epsilon.)
``train_s`` is the ``fit`` call alone. Prints one JSON line.
"""

from __future__ import annotations

import warnings

import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import workload as w


def build_model(seed: int = w.SEED):
    """StandardScaler then MLPRegressor(5, 5, relu), Adam, batch 32, exactly 200 epochs."""
    return make_pipeline(
        StandardScaler(),
        MLPRegressor(hidden_layer_sizes=w.HIDDEN, activation="relu", solver="adam",
                     learning_rate_init=w.LEARNING_RATE, batch_size=w.BATCH_SIZE,
                     max_iter=w.EPOCHS, shuffle=True, tol=0.0, n_iter_no_change=w.EPOCHS,
                     alpha=0.0, early_stopping=False, random_state=seed),
    )


def main() -> None:
    seed = w.parse_seed(description=__doc__)
    X, y = w.make_data()
    X_train, y_train, X_val, y_val = w.split(X, y)
    model = build_model(seed)

    with w.stopwatch() as train_s, warnings.catch_warnings():
        # Reaching max_iter is the point here, not a problem worth a warning.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)

    mlp = model[-1]
    epochs = mlp.n_iter_
    w.emit("scikit-learn", sklearn.__version__, train_s(), w.mse(y_val, model.predict(X_val)),
           epochs, epochs * w.steps_per_epoch(len(X_train)), seed,
           trainable_params=sum(c.size for c in mlp.coefs_) + sum(b.size for b in mlp.intercepts_),
           final_train_loss=2 * mlp.loss_)  # loss_ is MSE / 2


if __name__ == "__main__":
    main()
