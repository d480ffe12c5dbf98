"""The command line's training flags, derived from the options schema.

Every option of :class:`nnfit.options.FitOptions` that the command line may set gets one flag,
``--name-with-dashes`` (and the aliases the schema lists): on/off options as ``--x/--no-x``, any
other value read as a TOML literal, a comma-separated list of them, or else the text itself,
and checked by the option's own rule, its message naming the flag.
"""

from __future__ import annotations

import argparse
import re


class UsageError(Exception):
    """A bad value on the command line: reported in one line, exit status 2."""


def fit_flags():
    """``{option: (flag, ...)}`` for every option of nnfit.fit the command line sets, read from
    the one schema (:class:`nnfit.options.FitOptions`): ``--name-with-dashes`` and its aliases."""
    from .options import CLI, option_fields

    return {name: ("--" + name.replace("_", "-"), *spec.flags)
            for name, spec in option_fields().items() if CLI in spec.where}


def model_flags(args):
    """The ``[model]`` values the flags give (--hidden, --activation, --output, --normalize),
    each checked here so that its message names its flag."""
    from .errors import InvalidOptionError
    from .mlp import canonical_activation

    model = {}
    if args.hidden is not None:
        widths = [w.strip() for w in args.hidden.split(",")]
        if widths == [""]:  # '': no hidden layer
            widths = []
        if "" in widths:
            raise UsageError(f"--hidden has an empty width in {args.hidden!r}; give widths like "
                             "16,16 ('' for no hidden layer)")
        try:
            model["hidden"] = [int(w) for w in widths]
        except ValueError:
            raise UsageError(f"--hidden must be widths like 16,16, got {args.hidden!r}") from None
        if any(w < 1 for w in model["hidden"]):
            raise UsageError(f"--hidden widths must be >= 1, got {args.hidden!r}; give widths "
                             "like 16,16 ('' for no hidden layer)")
    if args.activation:
        acts = [a.strip() for a in args.activation.split(",")]
        for act in acts:
            try:
                canonical_activation(act)
            except InvalidOptionError as err:
                raise UsageError(f"--activation: {err}") from None
        model["activation"] = acts if len(acts) > 1 else acts[0]
    for key in ("output", "normalize"):
        if getattr(args, key) is not None:
            model[key] = getattr(args, key)
    return model


# options that are True, False or None (unset): --x / --no-x, and neither for the default
OPTIONAL_BOOLEANS = ("restore_best_weights", "scale_target")


def add_option_flags(parser):
    """One flag per option: booleans as --x/--no-x; any other value is read as a TOML literal
    (1e-3, [0.1, 0.01], "full"), a comma-separated list, or else the text itself, and checked by
    the option's own rule when the command runs."""
    from .options import option_fields

    group = parser.add_argument_group("training options (nnfit.fit's, checked as in TOML)")
    specs = option_fields()
    for name, flags in fit_flags().items():
        default = _defaults()[name]
        if isinstance(default, bool) or name in OPTIONAL_BOOLEANS:
            group.add_argument(*flags, dest=f"option_{name}", default=None,
                               action=argparse.BooleanOptionalAction, help=specs[name].help)
        else:
            shown = "" if default is None else f" (default {default})"
            group.add_argument(*flags, dest=f"option_{name}", default=None, metavar="VALUE",
                               help=specs[name].help + shown)


def _defaults():
    from .options import defaults

    return defaults()


def _flag_value(text):
    """A flag's text as a value: a TOML literal, a comma-separated list of them, or the text."""
    import tomllib

    def literal(part):
        part = part.strip()
        for number in (int, float):  # Python's spellings first: .01, 5., 1E-3, nan
            try:
                return number(part)
            except ValueError:
                pass
        try:
            return tomllib.loads(f"v = {part}")["v"]
        except tomllib.TOMLDecodeError:
            return part

    if "," in text and not text.strip().startswith(("[", "{")):
        return [literal(part) for part in text.split(",")]
    return literal(text)


def option_flags(args):
    """The options given as flags, each checked by its rule and named by its flag."""
    from .errors import InvalidOptionError
    from .options import check_option

    given = {}
    for name, flags in fit_flags().items():
        value = getattr(args, f"option_{name}", None)
        if value is None:
            continue
        value = _flag_value(value) if isinstance(value, str) else value
        try:
            check_option(name, value, label=flags[0])
        except InvalidOptionError as err:
            # the value was typed as text: its Python type ("of type str") says nothing more
            text = re.sub(r"(got .*?) of type \w+", r"\1", str(err))
            raise UsageError(text if flags[0] in text else f"{flags[0]}: {text}") from None
        given[name] = value
    return given
