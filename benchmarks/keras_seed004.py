"""Keras side of ``bench_sweep.py``: seed 004's models fitted one by one, as the seed does.

    python benchmarks/keras_seed004.py WORKLOAD.json

Reads the workload ``bench_sweep.py`` exported (data and configurations) and prints one JSON
line: per model the seconds (build, compile, fit and scoring, summed over its seeds) and the
final train / validation metrics. Needs TensorFlow (Keras 3) and NumPy only.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402


def build(hidden, n_inputs, output, l1, l2, seed, base):
    keras = tf.keras
    reg = None
    if l1 or l2:
        reg = keras.regularizers.L1L2(l1=l1, l2=l2)
    layers = [keras.Input(shape=(n_inputs,))]
    for i, width in enumerate([*hidden, 1]):
        # the seed seeds every layer's initialisers on their own
        init = lambda k: keras.initializers.RandomNormal(stddev=base["init_scale"],  # noqa: E731
                                                         seed=seed * 1000 + 2 * i + k)
        layers.append(keras.layers.Dense(
            width, activation=(base["activation"] if i < len(hidden) else
                               ("sigmoid" if output == "sigmoid" else "linear")),
            kernel_initializer=init(0), bias_initializer=init(1), kernel_regularizer=reg))
    model = keras.Sequential(layers)
    classify = output == "sigmoid"
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=base["learning_rate"]),
                  loss="binary_crossentropy" if classify else "mse",
                  metrics=["accuracy"] if classify else ["mse", "mae"])
    return model


def main(path):
    with open(path) as f:
        work = json.load(f)
    base = work["base"]
    models = {}
    start_all = time.perf_counter()
    for part in work["parts"]:
        d = np.load(part["data"])
        classify = part["kind"] == "classification"
        cast = (lambda a: a.astype(np.float32))
        X, y, X_val, y_val = (cast(d[k]) for k in ("X", "y", "X_val", "y_val"))
        for m in part["models"]:
            entry = models.setdefault(m["name"], {"seconds": 0.0, "metrics": {}})
            for seed in m["seeds"]:
                tf.keras.utils.set_random_seed(seed)
                start = time.perf_counter()
                model = build(m["hidden"], X.shape[1], m["output"], m["l1"], m["l2"], seed, base)
                val = (X_val, y_val) if part["validate_every_epoch"] else None
                model.fit(X, y, epochs=m["epochs"], batch_size=base["batch_size"], shuffle=True,
                          validation_data=val, verbose=0)
                # a direct call, as model.predict would build another function
                p_tr = model(X, training=False).numpy()[:, 0]
                p_val = model(X_val, training=False).numpy()[:, 0]
                entry["seconds"] += time.perf_counter() - start
                if classify:
                    metrics = {"train_accuracy": float(np.mean((p_tr > 0.5) == (y > 0.5))),
                               "val_accuracy": float(np.mean((p_val > 0.5) == (y_val > 0.5)))}
                else:
                    metrics = {"train_mse": float(np.mean((p_tr - y) ** 2)),
                               "val_mse": float(np.mean((p_val - y_val) ** 2))}
                for k, v in metrics.items():
                    entry["metrics"].setdefault(k, []).append(v)
                tf.keras.backend.clear_session()
            print(f"keras {m['name']}: {entry['seconds']:.1f} s", file=sys.stderr, flush=True)
    print(json.dumps({"models": models, "total_s": time.perf_counter() - start_all,
                      "tensorflow": tf.__version__, "keras": tf.keras.version()}))


if __name__ == "__main__":
    main(sys.argv[1])
