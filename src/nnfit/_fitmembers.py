"""A Fit's members chosen or joined: the member axis of parameters, histories and reports.

:meth:`nnfit.Fit.select` keeps some members (renumbered from 0), :meth:`nnfit.Fit.concat` joins
the members of fits of one network and task; both give a new Fit that shares the network,
options and table rules of the first.
"""

from __future__ import annotations

import numpy as np

from .errors import InvalidOptionError


def select_members(fit, members):
    """The Fit ``fit`` with only ``members`` (int or sequence of int), renumbered from 0."""
    import pandas as pd

    chosen = [int(members)] if np.ndim(members) == 0 else [int(m) for m in members]
    for m in chosen:
        if not 0 <= m < fit.n_members:
            raise InvalidOptionError(f"member {m} does not exist; this Fit has {fit.n_members}")
    params = [(W[chosen], b[chosen]) for W, b in fit._member_params]
    frames = [fit.histories[fit.histories.member == m].assign(member=i)
              for i, m in enumerate(chosen)]
    return fit._with(params, pd.concat(frames, ignore_index=True) if frames else fit.histories,
                      [fit.stop_reasons[m] for m in chosen] if fit.stop_reasons else [],
                      None if fit.best_epoch is None else fit.best_epoch[chosen],
                      None if fit.solver_info is None else [fit.solver_info[m] for m in chosen])


def concat_fits(fits):
    """One Fit whose members are those of ``fits`` (one network, one task), in order."""
    import pandas as pd

    fits = list(fits)
    if not fits:
        raise InvalidOptionError("concat needs at least one Fit")
    first = fits[0]
    for other in fits[1:]:
        if (other.network.layer_sizes != first.network.layer_sizes
                or other.network.spec != first.network.spec or other.task != first.task):
            raise InvalidOptionError("concat joins fits of one network and task; got "
                             f"{first.network.layer_sizes} and {other.network.layer_sizes}")
    params = [(np.concatenate([f._member_params[i][0] for f in fits]),
               np.concatenate([f._member_params[i][1] for f in fits]))
              for i in range(len(first._member_params))]
    frames, offset = [], 0
    for f in fits:
        frames.append(f.histories.assign(member=f.histories.member + offset))
        offset += f.n_members
    best = [f.best_epoch for f in fits]
    info = [f.solver_info for f in fits]
    return first._with(params, pd.concat(frames, ignore_index=True),
                       [r for f in fits for r in f.stop_reasons],
                       None if any(b is None for b in best) else np.concatenate(best),
                       None if any(i is None for i in info) else [x for i in info for x in i])
