#!/usr/bin/env python3
"""Reference values for the statistics library of exptrack/analysis.

Writes test/analysis/stats/fixtures/reference.json, which the vitest suite reads (the tests do not
need python). References come from scipy and statsmodels; the distribution functions also carry a
50-digit mpmath value ("exact"), because scipy's own special functions are not accurate to 1e-9
everywhere (for instance stdtr for df >= 1e8). Non-finite numbers are written as the strings
"Infinity", "-Infinity" and "NaN".

Run (Debian packages: apt-get install python3-scipy python3-statsmodels python3-mpmath):
    /usr/bin/python3 scripts/stats-reference/generate.py
"""
import json
import math
import os
import sys

import mpmath as mp
import numpy as np
import scipy
import statsmodels
from scipy import special, stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_confint, proportion_effectsize

mp.mp.dps = 30
rng = np.random.default_rng(20241101)
OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'analysis', 'stats', 'fixtures', 'reference.json')


def num(x):
    x = float(x)
    if math.isnan(x):
        return 'NaN'
    if math.isinf(x):
        return 'Infinity' if x > 0 else '-Infinity'
    return x


def arr(xs):
    return [num(v) for v in xs]


# ---------------------------------------------------------------- distributions (mpmath "exact")
def mp_t_sf(t, df):
    t = mp.mpf(t)
    df = mp.mpf(df)
    if t == 0:
        return mp.mpf(1) / 2
    x = df / (df + t * t)
    try:
        tail = mp.betainc(df / 2, mp.mpf(1) / 2, 0, x, regularized=True) / 2
    except (ValueError, mp.libmp.libhyper.NoConvergence):
        # hypergeometric series did not converge (huge df, far tail): integrate the density instead
        at = abs(t)
        logc = mp.loggamma((df + 1) / 2) - mp.loggamma(df / 2) - mp.log(df * mp.pi) / 2
        pdf = lambda s: mp.exp(logc - (df + 1) / 2 * mp.log1p(s * s / df))
        tail = mp.quad(pdf, [at, at + 1, at + 10, mp.inf])
    return tail if t > 0 else 1 - tail


def mp_ibeta(a, b, x):
    """Regularised incomplete beta at 30 digits; numerical integration where the series fail."""
    a, b, x = mp.mpf(a), mp.mpf(b), mp.mpf(x)
    try:
        return mp.betainc(a, b, 0, x, regularized=True)
    except (ValueError, mp.libmp.libhyper.NoConvergence):
        pass
    logc = -(mp.loggamma(a) + mp.loggamma(b) - mp.loggamma(a + b))
    pdf = lambda u: mp.exp(logc + (a - 1) * mp.log(u) + (b - 1) * mp.log1p(-u))
    mean = a / (a + b)
    sd = mp.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    pts = sorted({mean + k * sd for k in range(-40, 41) if 0 < mean + k * sd < 1})
    if x <= mean:
        nodes = [mp.mpf(0)] + [q for q in pts if q < x] + [x]
        return mp.quad(pdf, nodes)
    nodes = [x] + [q for q in pts if q > x] + [mp.mpf(1)]
    return 1 - mp.quad(pdf, nodes)


def mp_gamma_pq(a, x):
    """Regularised incomplete gamma (P, Q) at 30 digits; numerical integration where the series fail."""
    a, x = mp.mpf(a), mp.mpf(x)
    try:
        return mp.gammainc(a, 0, x, regularized=True), mp.gammainc(a, x, mp.inf, regularized=True)
    except (ValueError, mp.libmp.libhyper.NoConvergence):
        pass
    logc = -mp.loggamma(a)
    pdf = lambda u: mp.exp(logc + (a - 1) * mp.log(u) - u)
    sd = mp.sqrt(a)
    pts = sorted({a + k * sd for k in range(-40, 41) if a + k * sd > 0})
    if x <= a:
        P = mp.quad(pdf, [mp.mpf(0)] + [q for q in pts if q < x] + [x])
        return P, 1 - P
    Q = mp.quad(pdf, [x] + [q for q in pts if q > x] + [mp.inf])
    return 1 - Q, Q


def mp_t_quantile(p, df):
    p = mp.mpf(p)
    if p == mp.mpf(1) / 2:
        return mp.mpf(0)
    q = min(p, 1 - p)
    guess = float(stats.t.isf(float(q), df))
    f = lambda t: mp.log(mp_t_sf(t, df)) - mp.log(q)
    t = mp.findroot(f, mp.mpf(guess), tol=mp.mpf(10) ** -25)
    return -t if p < mp.mpf(1) / 2 else t


def mp_norm_quantile(p):
    p = mp.mpf(p)
    if p == mp.mpf(1) / 2:
        return mp.mpf(0)
    q = min(p, 1 - p)
    guess = float(stats.norm.isf(float(q)))
    x = mp.findroot(lambda z: mp.log(mp.ncdf(-z)) - mp.log(q), mp.mpf(guess), tol=mp.mpf(10) ** -25)
    return -x if p < mp.mpf(1) / 2 else x


ref = {
    'meta': {
        'generator': 'scripts/stats-reference/generate.py',
        'scipy': scipy.__version__,
        'statsmodels': statsmodels.__version__,
        'mpmath': mp.__version__,
        'numpy': np.__version__,
        'python': sys.version.split()[0],
    }
}

QUICK = os.environ.get('STATS_REFERENCE_QUICK') == '1'  # dry run of the script: small distribution grids
normal_cdf = []
for x in [-38.4, -37.5, -30, -20, -12.5, -10, -8.3, -5, -3, -1.96, -1, -0.5, -1e-5, 0, 1e-8, 0.3, 1, 2.5, 5, 8]:
    normal_cdf.append({'x': x, 'mean': 0, 'sd': 1, 'scipy': num(stats.norm.cdf(x)), 'exact': num(mp.ncdf(x))})
for (x, m, s) in [(110, 100, 15), (-3, 2, 0.5), (0.7, 0.7, 1e-3), (1e6, 0, 1e5)]:
    normal_cdf.append({'x': x, 'mean': m, 'sd': s, 'scipy': num(stats.norm.cdf(x, m, s)), 'exact': num(mp.ncdf((mp.mpf(x) - m) / s))})
ref['normalCdf'] = normal_cdf
print('normal', flush=True)

normal_q = []
for p in [1e-300, 1e-200, 1e-100, 1e-50, 1e-20, 1e-10, 1e-5, 0.001, 0.02, 0.02425, 0.0243, 0.1, 0.3, 0.5, 0.7, 0.9, 0.975, 0.97575, 0.999, 1 - 1e-10]:
    normal_q.append({'p': p, 'scipy': num(stats.norm.ppf(p)), 'exact': num(mp_norm_quantile(p))})
ref['normalQuantile'] = normal_q

T_DFS = [1, 1e10] if QUICK else [1, 1.5, 2, 2.7, 3, 5, 10, 29.3, 100, 1000, 1e4, 1e6, 1e8, 1e10]
t_sf = []
for df in T_DFS:
    for t in [-50, -10, -3, -1, -0.1, 0.001, 0.5, 1, 2, 3, 5, 10, 30, 100, 1e3, 1e5]:
        exact = mp_t_sf(t, df)
        if exact < mp.mpf(10) ** -300:
            continue
        t_sf.append({'t': t, 'df': df, 'scipy': num(stats.t.sf(t, df)), 'exact': num(exact)})
ref['studentTSf'] = t_sf
print('t sf', flush=True)

t_q = []
for df in T_DFS:
    for p in [1e-15, 1e-8, 1e-4, 0.01, 0.025, 0.1, 0.3, 0.45, 0.5, 0.55, 0.9, 0.975, 0.999, 1 - 1e-9]:
        t_q.append({'p': p, 'df': df, 'scipy': num(stats.t.ppf(p, df)), 'exact': num(mp_t_quantile(p, df))})
ref['studentTQuantile'] = t_q
print('t quantile', flush=True)

chi = []
for df in ([1] if QUICK else [0.5, 1, 2, 3, 7.5, 10, 50, 100, 1000, 1e4, 1e6]):
    for f in [1e-3, 0.1, 0.5, 0.9, 1, 1.01, 1.1, 2, 5, 20]:
        x = df * f
        exact = mp_gamma_pq(mp.mpf(df) / 2, mp.mpf(x) / 2)[1]
        if exact < mp.mpf(10) ** -300:
            continue
        chi.append({'x': x, 'df': df, 'scipy': num(stats.chi2.sf(x, df)), 'exact': num(exact)})
for (x, df) in [(3.841458820694124, 1), (100, 3), (500, 10), (1e6 + 5000, 1e6), (1e6 - 3000, 1e6)]:
    exact = mp_gamma_pq(mp.mpf(df) / 2, mp.mpf(x) / 2)[1]
    chi.append({'x': x, 'df': df, 'scipy': num(stats.chi2.sf(x, df)), 'exact': num(exact)})
ref['chiSquareSf'] = chi
print('chi2', flush=True)

ibeta = []
for a in ([0.5] if QUICK else [0.1, 0.5, 1, 2.5, 10, 50, 300, 1e4, 1e6]):
    for b in ([2.5] if QUICK else [0.1, 0.5, 1, 2.5, 10, 50, 300, 1e4, 1e6]):
        mean = a / (a + b)
        sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        xs = {0.001, 0.1, 0.5, 0.9, 0.999}
        for k in [-3, -1, 0, 1, 3]:
            v = mean + k * sd
            if 0 < v < 1:
                xs.add(float(v))
        for x in sorted(xs):
            exact = mp_ibeta(a, b, x)
            if exact < mp.mpf(10) ** -300:
                continue
            ibeta.append({'x': x, 'a': a, 'b': b, 'scipy': num(special.betainc(a, b, x)), 'exact': num(exact)})
ref['regularizedIncompleteBeta'] = ibeta
print('beta', flush=True)

gam = []
for a in ([1] if QUICK else [0.01, 0.5, 1, 3.3, 10, 100, 1e4, 1e6]):
    for f in [1e-3, 0.1, 0.5, 0.9, 1, 1.001, 1.1, 2, 5, 30]:
        x = a * f
        P, Q = mp_gamma_pq(a, x)
        if P < mp.mpf(10) ** -300 or Q < mp.mpf(10) ** -300:
            continue
        gam.append({'a': a, 'x': x, 'scipyP': num(special.gammainc(a, x)), 'scipyQ': num(special.gammaincc(a, x)), 'exactP': num(P), 'exactQ': num(Q)})
ref['regularizedGamma'] = gam
print('gamma', flush=True)


# ---------------------------------------------------------------- t-tests
def data(n, loc=0.0, scale=1.0, kind='normal'):
    if kind == 'normal':
        return rng.normal(loc, scale, n)
    if kind == 'binary':
        return (rng.random(n) < loc).astype(float)
    if kind == 'skewed':
        return rng.exponential(scale, n) + loc
    return np.round(rng.normal(loc, scale, n) * 4) / 4


def ci_t(est, se, df, alt, conf, exact=False):
    """t interval; exact=True takes the quantile from mpmath (scipy's t.ppf is good to ~1e-9 only)."""
    ppf = (lambda p, d: float(mp_t_quantile(p, d))) if exact else (lambda p, d: float(stats.t.ppf(p, d)))
    if alt == 'two-sided':
        q = ppf(1 - (1 - conf) / 2, df)
        return [est - q * se, est + q * se]
    q = ppf(conf, df)
    return [est - q * se, math.inf] if alt == 'greater' else [-math.inf, est + q * se]


ttests = []
alts = ['two-sided', 'greater', 'less']
for i in range(60):
    na = int(rng.choice([2, 3, 5, 8, 13, 30, 100, 250]))
    nb = int(rng.choice([2, 3, 5, 8, 13, 30, 100, 250]))
    kind = str(rng.choice(['normal', 'binary', 'skewed', 'rounded']))
    a = data(na, 0.6 if kind == 'binary' else 0.3, 1.0, kind)
    b = data(nb, 0.5 if kind == 'binary' else 0.0, float(rng.choice([0.5, 1, 3])), kind)
    if np.var(a) == 0 or np.var(b) == 0:
        continue
    alt = alts[i % 3]
    conf = [0.95, 0.9, 0.99][i % 3]
    w = stats.ttest_ind(a, b, equal_var=False, alternative=alt)
    va, vb = np.var(a, ddof=1) / na, np.var(b, ddof=1) / nb
    se_w = math.sqrt(va + vb)
    df_w = (va + vb) ** 2 / (va ** 2 / (na - 1) + vb ** 2 / (nb - 1))
    p = stats.ttest_ind(a, b, equal_var=True, alternative=alt)
    sp = math.sqrt(((na - 1) * np.var(a, ddof=1) + (nb - 1) * np.var(b, ddof=1)) / (na + nb - 2) * (1 / na + 1 / nb))
    est = float(np.mean(a) - np.mean(b))
    ttests.append({
        'kind': 'two-sample', 'a': arr(a), 'b': arr(b), 'alternative': alt, 'confidence': conf,
        'welch': {'statistic': num(w.statistic), 'pValue': num(w.pvalue), 'df': num(df_w), 'estimate': est, 'standardError': se_w, 'ci': arr(ci_t(est, se_w, df_w, alt, conf)),
                  'ciExact': arr(ci_t(est, se_w, df_w, alt, conf, True))},
        'pooled': {'statistic': num(p.statistic), 'pValue': num(p.pvalue), 'df': na + nb - 2, 'estimate': est, 'standardError': sp, 'ci': arr(ci_t(est, sp, na + nb - 2, alt, conf)),
                   'ciExact': arr(ci_t(est, sp, na + nb - 2, alt, conf, True))},
    })
for i in range(45):
    n = int(rng.choice([2, 3, 4, 7, 15, 40, 120, 1319]))
    kind = str(rng.choice(['normal', 'binary', 'skewed', 'rounded']))
    x = data(n, 0.7 if kind == 'binary' else 0.2, 1.0, kind)
    y = x * 0.5 + data(n, 0.6 if kind == 'binary' else 0.0, 0.8, kind)
    if np.var(x) == 0 or np.var(x - y) == 0:
        continue
    alt = alts[i % 3]
    conf = [0.95, 0.8, 0.99][i % 3]
    mu = float([0, 0.1, -0.3][i % 3])
    o = stats.ttest_1samp(x, mu, alternative=alt)
    oc = o.confidence_interval(conf)
    r = stats.ttest_rel(x, y, alternative=alt)
    rc = r.confidence_interval(conf)
    ttests.append({
        'kind': 'one-sample-paired', 'x': arr(x), 'y': arr(y), 'mu': mu, 'alternative': alt, 'confidence': conf,
        'oneSample': {'statistic': num(o.statistic), 'pValue': num(o.pvalue), 'df': num(o.df), 'estimate': float(np.mean(x)), 'standardError': float(stats.sem(x)), 'ci': arr([oc.low, oc.high]),
                      'ciExact': arr(ci_t(float(np.mean(x)), float(stats.sem(x)), n - 1, alt, conf, True))},
        'paired': {'statistic': num(r.statistic), 'pValue': num(r.pvalue), 'df': num(r.df), 'estimate': float(np.mean(x - y)), 'standardError': float(stats.sem(x - y)), 'ci': arr([rc.low, rc.high]),
                   'ciExact': arr(ci_t(float(np.mean(x - y)), float(stats.sem(x - y)), n - 1, alt, conf, True))},
    })
# extreme t statistics (tiny p-values)
for (shift, n) in [(5, 10), (20, 30), (3, 1000), (0.12, 20000)]:
    x = rng.normal(shift, 1, n)
    o = stats.ttest_1samp(x, 0)
    oc = o.confidence_interval(0.95)
    ttests.append({'kind': 'one-sample-only', 'x': arr(x), 'mu': 0, 'alternative': 'two-sided', 'confidence': 0.95,
                   'oneSample': {'statistic': num(o.statistic), 'pValue': num(o.pvalue), 'df': num(o.df), 'estimate': float(np.mean(x)), 'standardError': float(stats.sem(x)), 'ci': arr([oc.low, oc.high]),
                                 'ciExact': arr(ci_t(float(np.mean(x)), float(stats.sem(x)), n - 1, 'two-sided', 0.95, True))}})
ref['tTests'] = ttests

# ---------------------------------------------------------------- binomial / McNemar / intervals
binom = []
cases = [(14, 20, 0.5), (3, 100, 0.1), (17, 100, 0.1), (0, 10, 0.3), (10, 10, 0.3), (5, 10, 0.5), (1, 2, 0.5), (0, 1, 0.5),
         (7, 9, 0.2), (682, 925, 0.75), (500, 1000000, 0.0004), (51, 235, 1 / 6), (12, 40, 0.3), (60, 100, 0.6), (3, 10, 0.0001),
         (950, 1000, 0.97), (99990, 100000, 0.9999), (2, 50000, 1e-5)]
for (k, n, p) in cases:
    for alt in alts:
        for conf in [0.95, 0.99]:
            r = stats.binomtest(k, n, p, alternative=alt)
            ci = r.proportion_ci(confidence_level=conf, method='exact')
            # binomtest's proportion_ci finds the bounds with brentq (about 1e-9 relative); the same
            # Clopper-Pearson bounds as beta quantiles (Boost's ibeta_inv) are accurate to ~1e-15
            tail = (1 - conf) / 2 if alt == 'two-sided' else 1 - conf
            lo = 0.0 if k == 0 or alt == 'less' else stats.beta.ppf(tail, k, n - k + 1)
            hi = 1.0 if k == n or alt == 'greater' else stats.beta.isf(tail, k + 1, n - k)
            binom.append({'k': k, 'n': n, 'p': p, 'alternative': alt, 'confidence': conf, 'pValue': num(r.pvalue),
                          'ci': arr([lo, hi]), 'ciBrentq': arr([ci.low, ci.high])})
ref['binomialTest'] = binom

mcn = []
for (b, c) in [(12, 4), (4, 12), (0, 0), (5, 5), (0, 7), (1, 0), (30, 18), (100, 60), (3, 4), (250, 301), (1, 2), (25, 0), (400, 400)]:
    t = [[0, b], [c, 0]]
    e = mcnemar(t, exact=True)
    row = {'b': b, 'c': c, 'exact': {'statistic': num(e.statistic), 'pValue': num(e.pvalue)}}
    if b + c > 0:
        u = mcnemar(t, exact=False, correction=False)
        row['chi2'] = {'statistic': num(u.statistic), 'pValue': num(u.pvalue)}
        if abs(b - c) >= 1:
            k = mcnemar(t, exact=False, correction=True)
            row['chi2-corrected'] = {'statistic': num(k.statistic), 'pValue': num(k.pvalue)}
    mcn.append(row)
ref['mcnemarTest'] = mcn

props = []
for (k, n) in [(8, 10), (0, 10), (10, 10), (1, 1), (0, 1), (1, 1000000), (999990, 1000000), (500, 1000), (3, 7), (1319, 1319),
               (1000, 1319), (1, 3), (2, 50000), (49999, 50000), (45, 46), (250, 1000)]:
    for conf in [0.8, 0.95, 0.99, 0.999]:
        w = proportion_confint(k, n, alpha=1 - conf, method='wilson')
        cp = proportion_confint(k, n, alpha=1 - conf, method='beta')
        # statsmodels' beta method returns nan at k = 0 / k = n for one side; the bounds are 0 and 1
        cpl = 0.0 if k == 0 else cp[0]
        cpu = 1.0 if k == n else cp[1]
        props.append({'k': k, 'n': n, 'confidence': conf, 'wilson': arr(w), 'clopperPearson': arr([cpl, cpu])})
ref['proportionIntervals'] = props

# ---------------------------------------------------------------- multiple comparisons
adj = []
for i in range(25):
    m = int(rng.choice([1, 2, 3, 5, 10, 20, 50]))
    ps = rng.random(m) ** float(rng.choice([1, 3, 6]))
    if i % 4 == 0 and m > 2:
        ps[1] = ps[0]  # ties
    if i % 5 == 0:
        ps[0] = 1.0
    row = {'pValues': arr(ps)}
    for method, sm in [('holm', 'holm'), ('bh', 'fdr_bh'), ('bonferroni', 'bonferroni')]:
        row[method] = arr(multipletests(ps, method=sm)[1])
    adj.append(row)
ref['adjustPValues'] = adj

# ---------------------------------------------------------------- effect sizes (formulas, numpy)
eff = []
for i in range(20):
    na = int(rng.choice([2, 3, 5, 10, 40]))
    nb = int(rng.choice([2, 3, 5, 10, 40]))
    a = rng.normal(0.4, 1, na)
    b = rng.normal(0, 1.5, nb)
    x = rng.normal(0.5, 1, na + 1)
    y = x * 0.7 + rng.normal(0, 0.5, na + 1)
    df = na + nb - 2
    sp = math.sqrt(((na - 1) * np.var(a, ddof=1) + (nb - 1) * np.var(b, ddof=1)) / df)
    d = (np.mean(a) - np.mean(b)) / sp
    j = math.exp(special.gammaln(df / 2) - 0.5 * math.log(df / 2) - special.gammaln((df - 1) / 2)) if df > 1 else 0.0
    dz = np.mean(x - y) / np.std(x - y, ddof=1)
    p1, p2 = float(rng.random()), float(rng.random())
    eff.append({'a': arr(a), 'b': arr(b), 'x': arr(x), 'y': arr(y), 'cohensD': float(d), 'hedgesG': float(d * j), 'cohensDz': float(dz),
                'p1': p1, 'p2': p2, 'cohensH': float(proportion_effectsize(p1, p2))})
ref['effectSizes'] = eff

# ---------------------------------------------------------------- permutation tests (scipy, exact)
perm = []


def diff_means(x, y, axis):
    return np.mean(x, axis=axis) - np.mean(y, axis=axis)


def abs_diff_means(x, y, axis):
    return np.abs(np.mean(x, axis=axis) - np.mean(y, axis=axis))


for i in range(14):
    na = int(rng.choice([2, 3, 4, 6, 8, 10]))
    nb = int(rng.choice([2, 3, 5, 7, 9]))
    kind = ['normal', 'binary', 'rounded'][i % 3]
    a = data(na, 0.7 if kind == 'binary' else 0.5, 1.0, kind)
    b = data(nb, 0.4 if kind == 'binary' else 0.0, 1.0, kind)
    row = {'paired': False, 'a': arr(a), 'b': arr(b)}
    for alt in alts:
        if alt == 'two-sided':
            r = stats.permutation_test((a, b), abs_diff_means, permutation_type='independent', alternative='greater', n_resamples=np.inf, vectorized=True)
        else:
            r = stats.permutation_test((a, b), diff_means, permutation_type='independent', alternative=alt, n_resamples=np.inf, vectorized=True)
        row[alt] = num(r.pvalue)
    row['statistic'] = float(np.mean(a) - np.mean(b))
    perm.append(row)
for i in range(12):
    n = int(rng.choice([2, 3, 6, 10, 14, 16]))
    kind = ['normal', 'binary', 'rounded'][i % 3]
    x = data(n, 0.7 if kind == 'binary' else 0.3, 1.0, kind)
    y = data(n, 0.5 if kind == 'binary' else 0.0, 1.0, kind)
    row = {'paired': True, 'a': arr(x), 'b': arr(y)}
    for alt in alts:
        if alt == 'two-sided':
            r = stats.permutation_test((x, y), abs_diff_means, permutation_type='samples', alternative='greater', n_resamples=np.inf, vectorized=True)
        else:
            r = stats.permutation_test((x, y), diff_means, permutation_type='samples', alternative=alt, n_resamples=np.inf, vectorized=True)
        row[alt] = num(r.pvalue)
    row['statistic'] = float(np.mean(x - y))
    perm.append(row)
ref['permutationTest'] = perm

# ---------------------------------------------------------------- bootstrap (scipy, Monte Carlo)
boot = []
for i, (n, kind, stat) in enumerate([(30, 'normal', 'mean'), (25, 'skewed', 'mean'), (40, 'skewed', 'median'), (60, 'binary', 'mean'), (15, 'normal', 'median')]):
    x = data(n, 0.6 if kind == 'binary' else 0.0, 1.0, kind)
    fn = np.mean if stat == 'mean' else np.median
    row = {'values': arr(x), 'statistic': stat}
    for method in ['percentile', 'BCa']:
        r = stats.bootstrap((x,), fn, n_resamples=50000, method=method, confidence_level=0.95, random_state=np.random.default_rng(i))
        row[method.lower()] = arr([r.confidence_interval.low, r.confidence_interval.high])
    boot.append(row)
x = rng.random(200)
y = x * 0.8 + rng.random(200) * 0.3
r = stats.bootstrap((x, y), lambda u, v: np.mean(u - v), paired=True, n_resamples=50000, method='BCa', random_state=np.random.default_rng(9))
rp = stats.bootstrap((x, y), lambda u, v: np.mean(u - v), paired=True, n_resamples=50000, method='percentile', random_state=np.random.default_rng(9))
ref['bootstrap'] = {'single': boot, 'paired': {'a': arr(x), 'b': arr(y), 'bca': arr([r.confidence_interval.low, r.confidence_interval.high]),
                                                'percentile': arr([rp.confidence_interval.low, rp.confidence_interval.high])}}

# ---------------------------------------------------------------- Miller (2024) error bars
miller = []
for i in range(10):
    n = int(rng.choice([2, 5, 20, 200, 1319]))
    s = (rng.random(n) < 0.7).astype(float) if i % 2 == 0 else rng.random(n)
    cl = rng.integers(0, max(1, n // 4), n)
    t = (rng.random(n) < 0.6).astype(float) if i % 2 == 0 else s * 0.6 + rng.random(n) * 0.4
    m = s.mean()
    e = s - m
    cross = 0.0
    for c in np.unique(cl):
        ec = e[cl == c]
        cross += ec.sum() ** 2 - (ec ** 2).sum()
    se_clt = float(stats.sem(s))
    se_cl = math.sqrt(se_clt ** 2 + cross / n ** 2)
    d = s - t
    corr = float(np.corrcoef(s, t)[0, 1]) if np.std(s) > 0 and np.std(t) > 0 else None
    miller.append({'scores': arr(s), 'clusters': [int(v) for v in cl], 'other': arr(t), 'standardError': se_clt, 'clusteredStandardError': se_cl,
                   'pairedStandardError': float(stats.sem(d)), 'correlation': corr, 'z975': float(stats.norm.ppf(0.975))})
multi = []
for i in range(6):
    n = int(rng.choice([2, 10, 100]))
    k = int(rng.choice([2, 3, 5, 10]))
    p = rng.random(n)
    samples = (rng.random((n, k)) < p[:, None]).astype(float)
    means = samples.mean(axis=1)
    within = samples.var(axis=1, ddof=1)
    w = within.mean()
    var_means = means.var(ddof=1)
    between = max(0.0, var_means - (within / k).mean())
    multi.append({'samples': [arr(r) for r in samples], 'estimate': float(means.mean()), 'standardError': float(math.sqrt(var_means / n)),
                  'withinVariance': float(w), 'betweenVariance': float(between), 'singleSampleStandardError': float(math.sqrt((between + w) / n))})
power = []
for (delta, sd, paired, rho, alpha, pw, alt, K, wv) in [
        (0.03, 0.4, True, 0.5, 0.05, 0.8, 'two-sided', 1, 0), (0.05, 0.5, False, 0, 0.05, 0.8, 'two-sided', 1, 0),
        (0.02, 0.45, True, 0.3, 0.01, 0.9, 'two-sided', 1, 0), (0.1, 1.0, False, 0, 0.05, 0.5, 'one-sided', 1, 0),
        (0.04, 0.3, True, 0.6, 0.05, 0.8, 'two-sided', 4, 0.1), (0.01, 0.5, False, 0, 0.001, 0.95, 'one-sided', 10, 0.2)]:
    za = stats.norm.ppf(1 - alpha / 2) if alt == 'two-sided' else stats.norm.ppf(1 - alpha)
    zb = stats.norm.ppf(pw)
    omega2 = 2 * sd * sd - (2 * rho * sd * sd if paired else 0) + 2 * wv / K
    n_exact = (za + zb) ** 2 * omega2 / delta ** 2
    n_int = 1319
    mde = (za + zb) * math.sqrt(omega2 / n_int)
    row = {'difference': delta, 'sd': sd, 'paired': paired, 'correlation': rho, 'alpha': alpha, 'power': pw, 'alternative': alt,
           'samplesPerQuestion': K, 'withinVariance': wv, 'nExact': float(n_exact), 'n': int(math.ceil(n_exact)), 'mdeAt1319': float(mde)}
    if not paired and wv == 0 and alt == 'one-sided':
        # statsmodels: per-group n for a one-sided z test with standardised effect delta / sd
        row['statsmodelsN'] = float(NormalIndPower().solve_power(effect_size=delta / sd, alpha=alpha, power=pw, ratio=1, alternative='larger'))
    power.append(row)
ref['miller'] = {'standardErrors': miller, 'multiSample': multi, 'power': power}

if QUICK:
    OUT = '/tmp/stats-reference-quick.json'
with open(OUT, 'w') as f:
    json.dump(ref, f, indent=None, separators=(',', ':'))
    f.write('\n')
print('wrote', os.path.relpath(OUT), sum(len(v) if isinstance(v, list) else 1 for v in ref.values()), 'sections/cases')
