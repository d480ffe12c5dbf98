"""Keras (TensorFlow backend) on the peer workload, written the way seed 000 writes it.

``train_s`` is the ``model.fit`` call alone, including its first-call graph build (tf.function
tracing), because that is what a user of ``fit`` pays. Prints one JSON line.
"""

from __future__ import annotations

import os

# TensorFlow's C++ start-up chatter goes to stderr; it does not change any timing.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import workload as w  # noqa: E402


def build_model(X_train: np.ndarray) -> tf.keras.Model:
    """Normaliser adapted to the training rows, then Dense 5 relu, Dense 5 relu, Dense 1."""
    normalizer = tf.keras.layers.Normalization(axis=-1)
    normalizer.adapt(X_train)
    model = tf.keras.Sequential([
        tf.keras.Input(shape=(X_train.shape[1],)),
        normalizer,
        tf.keras.layers.Dense(units=w.HIDDEN[0], activation="relu"),
        tf.keras.layers.Dense(units=w.HIDDEN[1], activation="relu"),
        tf.keras.layers.Dense(units=1),
    ])
    # metrics=["mse"] as in the seed: Keras computes it on every batch, part of what its users pay.
    model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=w.LEARNING_RATE),
                  loss="mse", metrics=["mse"])
    return model


def main() -> None:
    seed = w.parse_seed(description=__doc__)
    tf.keras.utils.set_random_seed(seed)
    X, y = w.make_data()
    X = X.astype(np.float32)
    y = y.astype(np.float32)
    X_train, _, X_val, y_val = w.split(X, y)
    model = build_model(X_train)
    assert model.count_params() == 56, model.count_params()

    # The full arrays go in with validation_split, exactly as in the seed; Keras takes the last 20 %.
    with w.stopwatch() as train_s:
        history = model.fit(X, y, epochs=w.EPOCHS, batch_size=w.BATCH_SIZE, verbose=0,
                            validation_split=w.VALIDATION_SPLIT, shuffle=True)

    epochs = len(history.history["loss"])
    # A direct call, not model.predict: it avoids building a second tf.function after timing.
    val_mse = w.mse(y_val, model(X_val, training=False).numpy())
    w.emit("keras", f"tensorflow {tf.__version__}, keras {tf.keras.version()}", train_s(), val_mse,
           epochs, epochs * w.steps_per_epoch(), seed, backend=tf.keras.backend.backend(),
           trainable_params=int(sum(np.prod(v.shape) for v in model.trainable_weights)),
           history_val_loss=float(history.history["val_loss"][-1]))


if __name__ == "__main__":
    main()
