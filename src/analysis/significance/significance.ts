import type { ExperimentReader } from '../../core/backend.js';
import { ExptrackError, invalidInput } from '../../core/errors.js';
import type { Experiment } from '../../core/types.js';
import {
  mcnemarTest,
  pairedBootstrap,
  pairedTTest,
  permutationTest,
  studentTQuantile,
  studentTSf,
  welchTTest,
  normalCdf,
} from '../stats/index.js';
import { oneOfOption, optionalInteger, requireName, requireReader } from '../internal/options.js';
import { resolveExperiment } from '../internal/resolve-experiment.js';
import { evaluationScore, type RunScore } from '../internal/run-score.js';
import { cltStandardError, detectableEffect, pairedUncertainty, zCritical, type DetectableEffectDesign } from '../internal/uncertainty.js';

/**
 * The tests {@link significance} can run; `auto` chooses from what the store holds.
 *
 * @example
 * ```ts
 * import { significance, type SignificanceMethod } from 'exptrack/analysis';
 * const method: SignificanceMethod = 'bootstrap';
 * await significance('a', 'b', { store, benchmark: 'judge', metric: 'mean_score', method, seed: 1 });
 * ```
 */
export type SignificanceMethod = 'auto' | 'mcnemar' | 'paired-t' | 'bootstrap' | 'permutation' | 'welch';

/**
 * Options of {@link significance}.
 *
 * @example
 * ```ts
 * const options: SignificanceOptions = { store, benchmark: 'gsm8k', metric: 'accuracy', alpha: 0.01 };
 * ```
 */
export interface SignificanceOptions {
  /** Any readable backend. */
  store: ExperimentReader;
  /** The benchmark whose latest evaluation of each run is compared. */
  benchmark: string;
  /**
   * The evaluation metric.
   * @defaultValue `'accuracy'`
   */
  metric?: string;
  /**
   * The significance level; the interval has confidence 1 - alpha.
   * @defaultValue `0.05`
   */
  alpha?: number;
  /**
   * `auto`: paired when both runs have per-sample rows on the same item ids (McNemar's exact test
   * for 0/1 scores, the paired t-test for graded ones), else Welch's t-test (on the per-item
   * scores, or on the aggregates and their standard errors). `bootstrap` (a paired bootstrap
   * interval, with the p-value of the paired sign-flip permutation test) and `permutation` need
   * per-item scores; `mcnemar` and `paired-t` need paired items.
   * @defaultValue `'auto'`
   */
  method?: SignificanceMethod;
  /**
   * Seed of the bootstrap and permutation methods (same seed, same answer).
   * @defaultValue `0`
   */
  seed?: number;
  /**
   * Resamples of the bootstrap and of a Monte Carlo permutation test.
   * @defaultValue `10000`
   */
  resamples?: number;
  /**
   * The power at which the minimum detectable effect is stated.
   * @defaultValue `0.8`
   */
  power?: number;
}

/**
 * What {@link significance} found. `difference` is B minus A.
 *
 * @example
 * ```ts
 * const r: SignificanceResult = await significance('exp_a', 'exp_b', { store, benchmark: 'gsm8k' });
 * r.significant; r.pValue; r.ci; r.verdict;
 * ```
 */
export interface SignificanceResult {
  experimentA: string;
  experimentB: string;
  benchmark: string;
  metric: string;
  /** The metric of each run, as its evaluation recorded it. */
  scoreA: number;
  scoreB: number;
  /** The tested difference, B - A: over the shared items when paired, of the recorded scores otherwise. */
  difference: number;
  /** The standard error of `difference` (for paired data Miller's paired standard error). */
  standardError: number;
  /** The interval of `difference` at confidence 1 - alpha. */
  ci: [number, number];
  confidence: number;
  pValue: number;
  alpha: number;
  /** `pValue < alpha`. */
  significant: boolean;
  /** Whether the runs were compared item by item. */
  paired: boolean;
  method: Exclude<SignificanceMethod, 'auto'>;
  /** The readable name of the test that gave the p-value (and of the interval when it differs). */
  test: string;
  statistic: number | null;
  df: number | null;
  /** The correlation of the two runs' item scores (paired only; null when one run is constant). */
  correlation: number | null;
  /** Paired items, or both sample sizes added. */
  n: number;
  nA: number | null;
  nB: number | null;
  /** McNemar only: items only A got right, items only B got right. */
  discordant: { onlyA: number; onlyB: number } | null;
  /**
   * The smallest |difference| this sample detects at `alpha` with probability `power` (Miller §5),
   * or null when the difference has no variance (the runs agree on every item).
   */
  minimumDetectableEffect: number | null;
  power: number;
  /** What the comparison rested on, in words (paired items, or why it is unpaired). */
  basis: string;
  /** One plain sentence: the difference, whether it is significant at alpha, and the detectable effect. */
  verdict: string;
}

/**
 * Tests whether two runs differ on an evaluation metric, choosing the test from what the store
 * holds. When both runs have per-sample rows on the same item ids the comparison is paired (item
 * by item, which removes the items' shared difficulty and is far more powerful): McNemar's exact
 * test for 0/1 scores, the paired t-test for graded scores, or on request a paired bootstrap or a
 * paired permutation test; it reports the paired difference, Miller's paired standard error, the
 * interval, the correlation of the two runs' scores and the p-value. Otherwise it falls back to
 * Welch's t-test, on the per-item scores when both runs have them, else on the two aggregates and
 * their standard errors (`<metric>_stderr`), and says so in `basis`.
 *
 * Reference: Miller, E. (2024), "Adding Error Bars to Evals: A Statistical Approach to Language
 * Model Evaluations", arXiv:2411.00640 (§4 paired differences, §5 power); McNemar (1947),
 * Psychometrika 12(2).
 *
 * @param experimentA - The baseline run's id (or a unique prefix).
 * @param experimentB - The other run's id (or a unique prefix).
 * @param options - The store, benchmark, metric, alpha and method.
 * @returns The difference B - A with its standard error, interval and p-value, and a verdict.
 * @throws ExptrackError `not_found` naming a run that does not exist or has no such evaluation
 * metric; `insufficient_data` when neither per-sample rows nor standard errors allow a test, or a
 * score is not finite; `invalid_input` for a bad option or a method the data cannot support.
 *
 * @example
 * ```ts
 * import { significance } from 'exptrack/analysis';
 * const r = await significance('exp_base', 'exp_new', { store, benchmark: 'gsm8k', metric: 'accuracy' });
 * r.verdict;
 * // 'exp_new scores 0.034 higher than exp_base on gsm8k accuracy (95% CI 0.012 to 0.056, p = 0.0031,
 * //  McNemar's exact test on 1319 paired items): significant at alpha = 0.05; ...'
 * ```
 */
export async function significance(experimentA: string, experimentB: string, options: SignificanceOptions): Promise<SignificanceResult> {
  const store = requireReader(options?.store);
  const benchmark = requireName('benchmark', options.benchmark);
  const metric = options.metric === undefined ? 'accuracy' : requireName('metric', options.metric);
  const alpha = probability('alpha', options.alpha, 0.05);
  const power = probability('power', options.power, 0.8);
  const method = oneOfOption('method', options.method, ['auto', 'mcnemar', 'paired-t', 'bootstrap', 'permutation', 'welch'] as const, 'auto');
  const seed = options.seed === undefined ? 0 : finiteNumber('seed', options.seed);
  const resamples = optionalInteger('resamples', options.resamples, 2);
  const a = await loadScore(store, await resolveExperiment(store, experimentA, 'experimentA'), benchmark, metric, 1 - alpha);
  const b = await loadScore(store, await resolveExperiment(store, experimentB, 'experimentB'), benchmark, metric, 1 - alpha);
  return compareScores(a, b, { benchmark, metric, alpha, power, method, seed, resamples });
}

interface Settings {
  benchmark: string;
  metric: string;
  alpha: number;
  power: number;
  method: SignificanceMethod;
  seed: number;
  resamples: number | undefined;
}

/** @internal The score of one run for a significance test. */
export async function loadScore(store: ExperimentReader, experiment: Experiment, benchmark: string, metric: string, confidence: number): Promise<RunScore> {
  const score = await evaluationScore(store, experiment, benchmark, metric, confidence, true);
  if (score === undefined) {
    throw new ExptrackError(`experiment ${experiment.id} has no ${JSON.stringify(metric)} in an evaluation of ${JSON.stringify(benchmark)}`, {
      code: 'not_found',
      field: 'metric',
      value: { experimentId: experiment.id, benchmark, metric },
    });
  }
  if (!Number.isFinite(score.score)) {
    throw new ExptrackError(`experiment ${experiment.id} scored ${score.score} on ${benchmark} ${metric}: no test applies to a non-finite score`, {
      code: 'insufficient_data',
      field: 'metric',
      value: score.score,
    });
  }
  return score;
}

/** @internal The test between two loaded scores (shared with compareExperiments). */
export function compareScores(a: RunScore, b: RunScore, settings: Settings): SignificanceResult {
  const { method } = settings;
  const shared = a.items !== undefined && b.items !== undefined ? [...a.items.byId.keys()].filter((id) => b.items?.byId.has(id)) : [];
  const canPair = shared.length >= 2;
  const wantsPaired = method === 'mcnemar' || method === 'paired-t' || method === 'bootstrap' || (method === 'permutation' && canPair) || (method === 'auto' && canPair);
  if (wantsPaired) {
    if (!canPair) {
      throw invalidInput('method', method, `needs per-sample rows of both runs on the same items (${describeItems(a, b, shared.length)})`);
    }
    return paired(a, b, shared, settings);
  }
  return unpaired(a, b, settings, canPair);
}

function paired(a: RunScore, b: RunScore, shared: string[], settings: Settings): SignificanceResult {
  const { alpha, seed, resamples } = settings;
  const confidence = 1 - alpha;
  const xa = shared.map((id) => a.items?.byId.get(id) as number);
  const xb = shared.map((id) => b.items?.byId.get(id) as number);
  const n = shared.length;
  const binary = xa.every((v) => v === 0 || v === 1) && xb.every((v) => v === 0 || v === 1);
  const method = settings.method === 'auto' ? (binary ? 'mcnemar' : 'paired-t') : (settings.method as Exclude<SignificanceMethod, 'auto' | 'welch'>);
  if (method === 'mcnemar' && !binary) throw invalidInput('method', 'mcnemar', 'needs 0/1 scores on every shared item; use paired-t, bootstrap or permutation');
  const onlyOne = (a.items?.ids.length ?? 0) + (b.items?.ids.length ?? 0) - 2 * n;
  const basis = `paired on ${n} shared items${onlyOne > 0 ? ` (${onlyOne} items scored by only one run were left out)` : ''}`;
  const common = { paired: true, n, nA: a.items?.ids.length ?? null, nB: b.items?.ids.length ?? null, basis } as const;
  if (xa.every((v, i) => v === xb[i])) {
    // The runs agree on every shared item: no test has anything to work with, and none is needed.
    return finish(a, b, settings, {
      ...common, difference: 0, standardError: 0, ci: [0, 0], pValue: 1, method, test: 'none: the two runs score every shared item the same',
      statistic: null, df: null, correlation: null, discordant: method === 'mcnemar' ? { onlyA: 0, onlyB: 0 } : null,
      design: { paired: true, n, sdA: 0, sdB: 0, correlation: null },
    });
  }
  const { standardError, correlation, difference, sdX, sdY } = pairedUncertainty(xb, xa);
  const normalCi = (): [number, number] => {
    const half = zCritical(confidence) * standardError;
    return [difference - half, difference + half];
  };
  let pValue: number;
  let ci: [number, number];
  let se = standardError;
  let statistic: number | null = null;
  let df: number | null = null;
  let test: string;
  let discordant: SignificanceResult['discordant'] = null;
  if (method === 'mcnemar') {
    const onlyB = xa.reduce((acc, v, i) => acc + (v === 0 && xb[i] === 1 ? 1 : 0), 0);
    const onlyA = xa.reduce((acc, v, i) => acc + (v === 1 && xb[i] === 0 ? 1 : 0), 0);
    const result = mcnemarTest(onlyB, onlyA);
    pValue = result.pValue;
    statistic = result.statistic;
    ci = normalCi();
    test = `${result.method}; normal interval with the paired standard error`;
    discordant = { onlyA, onlyB };
  } else if (method === 'paired-t') {
    const result = pairedTTest(xb, xa, { confidence });
    pValue = result.pValue;
    statistic = result.statistic;
    df = result.df ?? null;
    ci = result.ci ?? normalCi();
    se = result.standardError ?? standardError;
    test = result.method;
  } else if (method === 'bootstrap') {
    const interval = pairedBootstrap(xb, xa, { seed, confidence, ...(resamples === undefined ? {} : { resamples }) });
    const permutation = permutationTest(xb, xa, { paired: true, seed, ...(resamples === undefined ? {} : { resamples }) });
    pValue = permutation.pValue;
    statistic = permutation.statistic;
    ci = [interval.lower, interval.upper];
    se = interval.standardError;
    test = `${interval.method}; p-value from the ${permutation.method}`;
  } else {
    const result = permutationTest(xb, xa, { paired: true, seed, ...(resamples === undefined ? {} : { resamples }) });
    pValue = result.pValue;
    statistic = result.statistic;
    ci = normalCi();
    test = `${result.method}; normal interval with the paired standard error`;
  }
  return finish(a, b, settings, {
    ...common, difference, standardError: se, ci, pValue, method, test, statistic, df, correlation, discordant,
    design: { paired: true, n, sdA: sdY, sdB: sdX, correlation },
  });
}

function unpaired(a: RunScore, b: RunScore, settings: Settings, couldPair: boolean): SignificanceResult {
  const { alpha, seed, resamples } = settings;
  const confidence = 1 - alpha;
  const difference = b.score - a.score;
  const why = couldPair ? 'unpaired on request' : `unpaired: ${describeItems(a, b, 0)}`;
  if (a.items !== undefined && b.items !== undefined && a.items.ids.length >= 2 && b.items.ids.length >= 2) {
    const xa = a.items.scores;
    const xb = b.items.scores;
    const welch = welchTTest(xb, xa, { confidence });
    const itemDifference = welch.estimate;
    const se = welch.standardError ?? Math.hypot(cltStandardError(xa), cltStandardError(xb));
    let pValue = welch.pValue;
    let test = welch.method;
    let statistic: number | null = welch.statistic;
    if (settings.method === 'permutation') {
      const permutation = permutationTest(xb, xa, { paired: false, seed, ...(resamples === undefined ? {} : { resamples }) });
      pValue = permutation.pValue;
      statistic = permutation.statistic;
      test = `${permutation.method}; interval from ${welch.method}`;
    }
    return finish(a, b, settings, {
      difference: itemDifference, standardError: se, ci: welch.ci ?? [itemDifference - zCritical(confidence) * se, itemDifference + zCritical(confidence) * se],
      pValue, paired: false, method: settings.method === 'permutation' ? 'permutation' : 'welch', test, statistic, df: welch.df ?? null, correlation: null,
      n: xa.length + xb.length, nA: xa.length, nB: xb.length, discordant: null,
      design: { paired: false, seA: cltStandardError(xa), seB: cltStandardError(xb) },
      basis: `${why}; per-item scores of ${xa.length} and ${xb.length} items`,
    });
  }
  if (settings.method === 'permutation') throw invalidInput('method', 'permutation', `needs per-sample rows of both runs (${describeItems(a, b, 0)})`);
  if (a.standardError === null || b.standardError === null) {
    const missing = [a, b].filter((s) => s.standardError === null).map((s) => s.experiment.id);
    throw new ExptrackError(
      `cannot test ${settings.benchmark} ${settings.metric}: ${missing.join(' and ')} ${missing.length === 1 ? 'has' : 'have'} neither per-sample rows nor ${settings.metric}_stderr`,
      { code: 'insufficient_data', field: 'metric', value: { experiments: missing, benchmark: settings.benchmark, metric: settings.metric } },
    );
  }
  // Welch's t-test from the summaries: t = d / sqrt(seA² + seB²), Welch–Satterthwaite df when both n are known.
  const va = a.standardError ** 2;
  const vb = b.standardError ** 2;
  const se = Math.sqrt(va + vb);
  if (!(se > 0)) {
    throw new ExptrackError(`cannot test ${settings.benchmark} ${settings.metric}: both standard errors are 0`, { code: 'insufficient_data', field: 'metric', value: 0 });
  }
  const t = difference / se;
  const nA = a.n;
  const nB = b.n;
  const df = nA !== null && nB !== null && nA >= 2 && nB >= 2 ? (va + vb) ** 2 / (va ** 2 / (nA - 1) + vb ** 2 / (nB - 1)) : null;
  const usable = df !== null && Number.isFinite(df) && df > 0;
  const pValue = usable ? Math.min(1, 2 * studentTSf(Math.abs(t), df)) : Math.min(1, 2 * normalCdf(-Math.abs(t)));
  const critical = usable ? studentTQuantile(1 - alpha / 2, df) : zCritical(confidence);
  return finish(a, b, settings, {
    difference, standardError: se, ci: [difference - critical * se, difference + critical * se], pValue, paired: false, method: 'welch',
    test: usable ? "Welch's t-test from the aggregates (scores and standard errors)" : 'z-test from the aggregates (scores and standard errors; sample sizes unknown)',
    statistic: t, df: usable ? df : null, correlation: null, n: (nA ?? 0) + (nB ?? 0), nA, nB, discordant: null,
    design: { paired: false, seA: a.standardError, seB: b.standardError },
    basis: `${why}; from the aggregates (${[a, b].map((s) => `${s.experiment.id}: ${s.uncertainty === 'samples' ? 'per-sample standard error' : `${settings.metric}_stderr`}`).join(', ')})`,
  });
}

interface Core {
  difference: number;
  standardError: number;
  ci: [number, number];
  pValue: number;
  paired: boolean;
  method: Exclude<SignificanceMethod, 'auto'>;
  test: string;
  statistic: number | null;
  df: number | null;
  correlation: number | null;
  n: number;
  nA: number | null;
  nB: number | null;
  discordant: SignificanceResult['discordant'];
  design: DetectableEffectDesign;
  basis: string;
}

function finish(a: RunScore, b: RunScore, settings: Settings, core: Core): SignificanceResult {
  const { alpha, power, benchmark, metric } = settings;
  const significant = core.pValue < alpha;
  const minimumDetectableEffect = detectableEffect(core.design, alpha, power);
  const idA = a.experiment.id;
  const idB = b.experiment.id;
  const confidencePct = `${round((1 - alpha) * 100)}%`;
  const direction = core.difference > 0 ? 'higher than' : core.difference < 0 ? 'lower than' : 'the same as';
  const amount = core.difference === 0 ? '' : `${fmt(Math.abs(core.difference))} `;
  const verdict =
    `${idB} scores ${amount}${direction} ${idA} on ${benchmark} ${metric} (${confidencePct} CI ${fmt(core.ci[0])} to ${fmt(core.ci[1])}, p = ${fmtP(core.pValue)}, ${core.paired ? `paired on ${core.n} items` : 'unpaired'}): ` +
    `${significant ? '' : 'not '}significant at alpha = ${alpha}; ` +
    (minimumDetectableEffect === null
      ? 'the runs agree on every item, so there is no variance to detect a difference with.'
      : `this sample ${significant ? 'detects' : 'could only detect'} differences of about ${fmt(minimumDetectableEffect)} or more with ${round(power * 100)}% power.`);
  const { design: _design, ...rest } = core;
  return {
    experimentA: idA,
    experimentB: idB,
    benchmark,
    metric,
    scoreA: a.score,
    scoreB: b.score,
    ...rest,
    confidence: 1 - alpha,
    alpha,
    significant,
    minimumDetectableEffect,
    power,
    verdict,
  };
}

function describeItems(a: RunScore, b: RunScore, shared: number): string {
  const count = (s: RunScore) => (s.items === undefined ? `${s.experiment.id} has no per-sample rows for the metric` : `${s.experiment.id} has ${s.items.ids.length}`);
  return `${count(a)}, ${count(b)}, ${shared} shared`;
}

function probability(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0 && value < 1)) throw invalidInput(field, value, 'must be a number in (0, 1)');
  return value;
}

function finiteNumber(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidInput(field, value, 'must be a finite number');
  return value;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function fmt(x: number): string {
  if (x === 0) return '0';
  const abs = Math.abs(x);
  return abs >= 1e-3 && abs < 1e6 ? String(Number(x.toPrecision(3))) : x.toExponential(2);
}

function fmtP(p: number): string {
  return p < 1e-4 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}
