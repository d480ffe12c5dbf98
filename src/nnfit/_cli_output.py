"""What the command line prints: a fit's result and scores, and the library's words as flags.

The library's messages name its keywords (``missing='drop'``); on the command line the same
settings are flags, so :func:`as_flags` rewrites every option a flag sets into that flag
(``--missing drop``). :func:`print_result` shows the network, the last epoch, the scores beside
the baselines and the timings.
"""

from __future__ import annotations

import re

from ._cli_flags import fit_flags


def as_flags(text):
    """A library message in the command line's words: ``missing='drop'`` becomes
    ``--missing drop``, ``early_stopping=True`` ``--early-stopping``, for every option a flag
    sets (the library names its keywords; here they are flags)."""
    flags = {**fit_flags(), **{k: (f"--{k}",) for k in ("normalize", "output", "hidden",
                                                         "activation")}}

    def flag(match):
        name, value = match.group(1), match.group(2)
        if name not in flags:
            return match.group(0)
        spelled = flags[name][0]
        if value in ("True", "False"):
            return spelled if value == "True" else "--no-" + spelled[2:]
        if value == "None":  # the one option whose None the command line spells
            return f"{spelled} full" if name == "batch_size" else match.group(0)
        return f"{spelled} {value.strip(chr(39))}"

    text = re.sub(r"MLP\((?:\.\.\., )?normalize=True\)", "normalize=True", text)
    return re.sub(r"(?<![\w.'])([a-z][a-z0-9_]*)=('[^']*'|True|False|None|[0-9][0-9.e+-]*)",
                  flag, text)


def print_result(result):
    from rich.console import Console
    from rich.table import Table

    print(result.network.summary())
    hist = result.mean_history
    if not hist.empty:  # one row per metric: fits any terminal width
        title = f"epoch {int(hist.epoch.iloc[-1])}" + (
            f", mean of {result.n_members} members" if result.n_members > 1 else "")
        table = Table(title=title)
        table.add_column("metric")
        table.add_column("value", justify="right")
        for column in hist.columns.drop("epoch"):
            table.add_row(column, f"{hist[column].iloc[-1]:.6g}")
        Console().print(table)
    if result.scores:
        Console().print(scores_table(result.scores))
    t = result.timings
    print(f"compile {t.get('compile_s', 0):.2f} s, training {t.get('train_s', 0):.3f} s, "
          f"stopped: {', '.join(sorted(set(result.stop_reasons)))}")


def scores_table(scores):
    """The fit's scores beside its baselines, one row per set of rows (a rich Table)."""
    from rich.table import Table

    classification = scores.get("task") == "classification"
    main, other = ("accuracy", "log_loss") if classification else ("r2", "rmse")
    constant = "majority class" if classification else "mean"
    table = Table(title=f"{main} of the network returned, and of two baselines")
    for column in ("rows", "", "network", constant, "linear model", f"network {other}"):
        table.add_column(column, justify="right" if column else "left")
    value = lambda part, name: "-" if not part or part.get(name) is None else f"{part[name]:.4g}"  # noqa: E731
    names = {"train": "training", "validation": "validation", "test": "test"}
    for split, part in scores.get("splits", {}).items():
        table.add_row(str(part.get("rows", "")), names.get(split, split),
                      value(part.get("model"), main), value(part.get("constant"), main),
                      value(part.get("linear"), main), value(part.get("model"), other))
    return table
