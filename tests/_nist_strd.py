"""NIST Statistical Reference Datasets (StRD), linear least squares: data and certified values.

Source: https://www.itl.nist.gov/div898/strd/lls/lls.shtml (public domain, U.S. Government work).
The certified coefficients were computed by NIST in 500-digit arithmetic and are quoted to 15
significant digits. Coefficients are listed intercept first.
"""

import numpy as np

# Longley (1967), higher difficulty: y = B0 + B1 x1 + ... + B6 x6, 16 observations.
# Columns: y (total employment), x1 (GNP deflator), x2 (GNP), x3 (unemployed),
# x4 (armed forces), x5 (population), x6 (year).
LONGLEY = np.array([
    [60323, 83.0, 234289, 2356, 1590, 107608, 1947],
    [61122, 88.5, 259426, 2325, 1456, 108632, 1948],
    [60171, 88.2, 258054, 3682, 1616, 109773, 1949],
    [61187, 89.5, 284599, 3351, 1650, 110929, 1950],
    [63221, 96.2, 328975, 2099, 3099, 112075, 1951],
    [63639, 98.1, 346999, 1932, 3594, 113270, 1952],
    [64989, 99.0, 365385, 1870, 3547, 115094, 1953],
    [63761, 100.0, 363112, 3578, 3350, 116219, 1954],
    [66019, 101.2, 397469, 2904, 3048, 117388, 1955],
    [67857, 104.6, 419180, 2822, 2857, 118734, 1956],
    [68169, 108.4, 442769, 2936, 2798, 120445, 1957],
    [66513, 110.8, 444546, 4681, 2637, 121950, 1958],
    [68655, 112.6, 482704, 3813, 2552, 123366, 1959],
    [69564, 114.2, 502601, 3931, 2514, 125368, 1960],
    [69331, 115.7, 518173, 4806, 2572, 127852, 1961],
    [70551, 116.9, 554894, 4007, 2827, 130081, 1962],
])
LONGLEY_CERTIFIED = np.array([
    -3482258.63459582, 15.0618722713733, -0.358191792925910e-01, -2.02022980381683,
    -1.03322686717359, -0.511041056535807e-01, 1829.15146461355,
])

# Norris, lower difficulty: y = B0 + B1 x, 36 observations. Columns: y, x.
NORRIS = np.array([
    [0.1, 0.2], [338.8, 337.4], [118.1, 118.2], [888.0, 884.6], [9.2, 10.1], [228.1, 226.5],
    [668.5, 666.3], [998.5, 996.3], [449.1, 448.6], [778.9, 777.0], [559.2, 558.2], [0.3, 0.4],
    [0.1, 0.6], [778.1, 775.5], [668.8, 666.9], [339.3, 338.0], [448.9, 447.5], [10.8, 11.6],
    [557.7, 556.0], [228.3, 228.1], [998.0, 995.8], [888.8, 887.6], [119.6, 120.2], [0.3, 0.3],
    [0.6, 0.3], [557.6, 556.8], [339.3, 339.1], [888.0, 887.2], [998.5, 999.0], [778.9, 779.0],
    [10.2, 11.1], [117.6, 118.3], [228.9, 229.2], [668.4, 669.1], [449.2, 448.9], [0.2, 0.5],
])
NORRIS_CERTIFIED = np.array([-0.262323073774029, 1.00211681802045])

# Pontius, average difficulty: y = B0 + B1 x + B2 x**2, 40 observations (load-cell calibration:
# two runs over x = 150000, 300000, ..., 3000000).
PONTIUS_Y = np.array([
    .11019, .21956, .32949, .43899, .54803, .65694, .76562, .87487, .98292, 1.09146,
    1.20001, 1.30822, 1.41599, 1.52399, 1.63194, 1.73947, 1.84646, 1.95392, 2.06128, 2.16844,
    .11052, .22018, .32939, .43886, .54798, .65739, .76596, .87474, .98300, 1.09150,
    1.20004, 1.30818, 1.41613, 1.52408, 1.63159, 1.73965, 1.84696, 1.95445, 2.06177, 2.16829,
])
PONTIUS_X = np.tile(np.arange(150000.0, 3000001.0, 150000.0), 2)
PONTIUS_CERTIFIED = np.array([0.673565789473684e-03, 0.732059160401003e-06, -0.316081871345029e-14])

# Wampler 1-5 (1970), higher difficulty: y = B0 + B1 x + ... + B5 x**5, x = 0, 1, ..., 20.
WAMPLER_Y = {
    1: [1, 6, 63, 364, 1365, 3906, 9331, 19608, 37449, 66430, 111111, 177156, 271453, 402234,
        579195, 813616, 1118481, 1508598, 2000719, 2613660, 3368421],
    2: [1.00000, 1.11111, 1.24992, 1.42753, 1.65984, 1.96875, 2.38336, 2.94117, 3.68928, 4.68559,
        6.00000, 7.71561, 9.92992, 12.75603, 16.32384, 20.78125, 26.29536, 33.05367, 41.26528,
        51.16209, 63.00000],
    3: [760., -2042., 2111., -1684., 3888., 1858., 11379., 17560., 39287., 64382., 113159.,
        175108., 273291., 400186., 581243., 811568., 1121004., 1506550., 2002767., 2611612.,
        3369180.],
    4: [75901, -204794, 204863, -204436, 253665, -200894, 214131, -185192, 221249, -138370,
        315911, -27644, 455253, 197434, 783995, 608816, 1370781, 1303798, 2205519, 2408860,
        3444321],
    5: [7590001, -20479994, 20480063, -20479636, 25231365, -20476094, 20489331, -20460392,
        18417449, -20413570, 20591111, -20302844, 18651453, -20077766, 21059195, -19666384,
        26348481, -18971402, 22480719, -17866340, 10958421],
}
WAMPLER_CERTIFIED = {k: np.ones(6) for k in (1, 3, 4, 5)}
WAMPLER_CERTIFIED[2] = 10.0 ** -np.arange(6)


def problems():
    """{name: (X, y, certified coefficients, intercept first)}."""
    out = {
        "Norris": (NORRIS[:, 1:], NORRIS[:, 0], NORRIS_CERTIFIED),
        "Pontius": (np.column_stack([PONTIUS_X, PONTIUS_X**2]), PONTIUS_Y, PONTIUS_CERTIFIED),
        "Longley": (LONGLEY[:, 1:], LONGLEY[:, 0], LONGLEY_CERTIFIED),
    }
    x = np.arange(21.0)
    for k, y in WAMPLER_Y.items():
        out[f"Wampler{k}"] = (np.vander(x, 6, increasing=True)[:, 1:], np.array(y, float),
                              WAMPLER_CERTIFIED[k])
    return out


def log_relative_error(estimate, certified):
    """NIST's LRE per coefficient: -log10(|est - cert| / |cert|), capped at 15 (about the
    digits a float64 holds), reported to one decimal as NIST does."""
    estimate, certified = np.asarray(estimate, float), np.asarray(certified, float)
    err = np.abs(estimate - certified) / np.abs(certified)
    with np.errstate(divide="ignore"):
        lre = -np.log10(err)
    return np.round(np.clip(lre, 0.0, 15.0), 1)
