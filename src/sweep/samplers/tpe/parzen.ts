/**
 * The Parzen estimator of the TPE sampler: a weighted mixture of product kernels, one kernel per
 * observed trial plus a broad prior kernel, over some dimensions of the space. It follows the
 * construction of Optuna's `_ParzenEstimator` (as of Optuna 5): truncated-normal kernels on numeric
 * dimensions (in log space for log dimensions, widened by half a step for discrete ones), each
 * kernel's bandwidth the larger distance to its neighbouring observations in that dimension, the
 * "magic clip" on the smallest bandwidth, a prior kernel centred on the domain with the domain's
 * width as bandwidth, and categorical kernels that put weight 1 on the observed choice over a
 * uniform floor of `priorWeight / kernels`.
 * @module
 */
import type { Prng } from '../../random.js';
import type { Dimension } from '../../space.js';
import { snapToDimension } from '../../space.js';
import { logNormalMass, logStdNormalPdf, logSumExp, sampleTruncNormal } from './truncnorm.js';

const EPS = 1e-12;

/** How the estimator is built (the defaults are Optuna's). */
export interface ParzenParameters {
  /** Weight of the prior kernel relative to an observation's. */
  priorWeight: number;
  /** Clip bandwidths from below at range / min(100, 1 + kernels). */
  magicClip: boolean;
  /** Weights of n observations ordered oldest first. */
  weights: (n: number) => number[];
}

/**
 * Optuna's default observation weights: 1 for the 25 newest, a linear ramp from 1/n up to 1 for
 * older ones, so old trials fade out of the model.
 */
export function defaultWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const out: number[] = [];
  const ramp = n - 25;
  for (let i = 0; i < ramp; i++) out.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < 25; i++) out.push(1);
  return out;
}

interface NumericKernels {
  kind: 'numeric';
  dim: Extract<Dimension, { kind: 'float' | 'int' }>;
  /** Log-transform values before evaluating (log dimensions). */
  log: boolean;
  /** Half-width of the cell of a discrete value, in raw units; 0 for continuous. */
  halfStep: number;
  /** Bounds in transformed units, widened by half a step for discrete dimensions. */
  low: number;
  high: number;
  mu: Float64Array;
  sigma: Float64Array;
  /** log(sigma) + log(mass of [low, high]) per kernel: the normaliser of the continuous density. */
  logNorm: Float64Array;
  /** log(mass of [low, high]) per kernel (discrete masses). */
  logMass: Float64Array;
}

interface CategoricalKernels {
  kind: 'categorical';
  /** Row-major (kernels x choices) log probabilities. */
  logProbs: Float64Array;
  probs: Float64Array;
  choices: number;
}

type Kernels = NumericKernels | CategoricalKernels;

/** The transformed bounds of a numeric dimension: widened by half a step, then logged if log. */
function transformedBounds(dim: Extract<Dimension, { kind: 'float' | 'int' }>): { low: number; high: number; halfStep: number } {
  const step = dim.kind === 'int' ? dim.step : (dim.step ?? 0);
  const halfStep = step / 2;
  let low = dim.low - halfStep;
  let high = dim.high + halfStep;
  if (dim.log) {
    low = Math.log(low);
    high = Math.log(high);
  }
  return { low, high, halfStep };
}

/**
 * A mixture of product kernels over `dims`, fitted to `columns` (one column per dimension, one entry per trial, oldest
 * first, in internal form: the number itself, or the index of a categorical choice).
 */
export class ParzenEstimator {
  private readonly logWeights: Float64Array;
  private readonly weights: Float64Array;
  private readonly kernels: Kernels[];

  constructor(
    dims: readonly Dimension[],
    columns: readonly (readonly number[])[],
    params: ParzenParameters,
  ) {
    const n = columns[0]?.length ?? 0;
    const raw = n === 0 ? [1] : [...params.weights(n).slice(0, n), params.priorWeight];
    const total = raw.reduce((sum, w) => sum + w, 0);
    this.weights = Float64Array.from(raw, (w) => w / total);
    this.logWeights = Float64Array.from(this.weights, (w) => Math.log(w));
    this.kernels = dims.map((dim, j) => {
      const column = columns[j] ?? [];
      return dim.kind === 'categorical'
        ? this.categoricalKernels(dim.choices.length, column, params)
        : this.numericKernels(dim, column, params);
    });
  }

  private categoricalKernels(choices: number, column: readonly number[], params: ParzenParameters): CategoricalKernels {
    const n = column.length;
    const kernels = n + 1;
    const probs = new Float64Array(kernels * choices);
    if (n === 0) {
      probs.fill(1 / choices);
    } else {
      probs.fill(params.priorWeight / kernels);
      for (let i = 0; i < n; i++) {
        const at = i * choices + (column[i] as number);
        probs[at] = (probs[at] as number) + 1;
      }
      for (let i = 0; i < kernels; i++) {
        let s = 0;
        for (let c = 0; c < choices; c++) s += probs[i * choices + c] as number;
        if (s > 0) for (let c = 0; c < choices; c++) probs[i * choices + c] = (probs[i * choices + c] as number) / s;
      }
    }
    return { kind: 'categorical', probs, logProbs: probs.map((p) => Math.log(p)), choices };
  }

  private numericKernels(
    dim: Extract<Dimension, { kind: 'float' | 'int' }>,
    column: readonly number[],
    params: ParzenParameters,
  ): NumericKernels {
    const { low, high, halfStep } = transformedBounds(dim);
    const n = column.length;
    const mus = new Float64Array(n);
    for (let i = 0; i < n; i++) mus[i] = dim.log ? Math.log(column[i] as number) : (column[i] as number);
    const range = high - low;
    // Bandwidth = the larger gap to a neighbouring observation (the domain ends count as
    // neighbours, except that the outermost observations look inwards only), one per dimension,
    // in the multivariate case too: Optuna's rule since it stopped using Scott's rule and the
    // prior's centre here. Ties keep trial order, as a stable argsort does.
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => (mus[a] as number) - (mus[b] as number) || a - b);
    const sorted = new Float64Array(n + 2);
    sorted[0] = low;
    for (let k = 0; k < n; k++) sorted[k + 1] = mus[order[k] as number] as number;
    sorted[n + 1] = high;
    const sigmas = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      let s = Math.max((sorted[k + 1] as number) - (sorted[k] as number), (sorted[k + 2] as number) - (sorted[k + 1] as number));
      if (n >= 2 && k === 0) s = (sorted[2] as number) - (sorted[1] as number);
      if (n >= 2 && k === n - 1) s = (sorted[n] as number) - (sorted[n - 1] as number);
      sigmas[order[k] as number] = s;
    }
    const maxSigma = range;
    const minSigma = params.magicClip ? range / Math.min(100, 1 + (n + 1)) : EPS;
    const kernels = n + 1;
    const mu = new Float64Array(kernels);
    const sigma = new Float64Array(kernels);
    for (let i = 0; i < n; i++) {
      mu[i] = mus[i] as number;
      sigma[i] = Math.min(maxSigma, Math.max(minSigma, sigmas[i] as number));
    }
    mu[n] = 0.5 * (low + high);
    sigma[n] = range;
    const logMass = new Float64Array(kernels);
    const logNorm = new Float64Array(kernels);
    for (let i = 0; i < kernels; i++) {
      const m = mu[i] as number;
      const s = sigma[i] as number;
      logMass[i] = logNormalMass((low - m) / s, (high - m) / s);
      logNorm[i] = Math.log(s) + (logMass[i] as number);
    }
    return { kind: 'numeric', dim, log: dim.log, halfStep, low, high, mu, sigma, logNorm, logMass };
  }

  /** Draws `size` points (rows in internal form) from the mixture. */
  sample(rng: Prng, size: number): number[][] {
    const out: number[][] = [];
    for (let s = 0; s < size; s++) {
      const k = rng.pick(this.weights);
      const row: number[] = [];
      for (const kern of this.kernels) {
        if (kern.kind === 'categorical') {
          row.push(rng.pick(kern.probs.subarray(k * kern.choices, (k + 1) * kern.choices)));
        } else {
          const x = sampleTruncNormal(rng, kern.mu[k] as number, kern.sigma[k] as number, kern.low, kern.high);
          const rawX = kern.log ? Math.exp(x) : x;
          row.push(kern.halfStep > 0 ? snapToDimension(kern.dim, rawX) : Math.min(kern.dim.high, Math.max(kern.dim.low, rawX)));
        }
      }
      out.push(row);
    }
    return out;
  }

  /** The log density (log mass on discrete dimensions) of each row under the mixture. */
  logPdf(rows: readonly (readonly number[])[]): Float64Array {
    const kernelsCount = this.weights.length;
    const out = new Float64Array(rows.length);
    const acc = new Float64Array(kernelsCount);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as readonly number[];
      acc.set(this.logWeights);
      for (let j = 0; j < this.kernels.length; j++) {
        const kern = this.kernels[j] as Kernels;
        const x = row[j] as number;
        if (kern.kind === 'categorical') {
          for (let i = 0; i < kernelsCount; i++) acc[i] = (acc[i] as number) + (kern.logProbs[i * kern.choices + x] as number);
        } else if (kern.halfStep > 0) {
          const lo = kern.log ? Math.log(x - kern.halfStep) : x - kern.halfStep;
          const hi = kern.log ? Math.log(x + kern.halfStep) : x + kern.halfStep;
          for (let i = 0; i < kernelsCount; i++) {
            const m = kern.mu[i] as number;
            const s = kern.sigma[i] as number;
            acc[i] = (acc[i] as number) + logNormalMass((lo - m) / s, (hi - m) / s) - (kern.logMass[i] as number);
          }
        } else {
          const t = kern.log ? Math.log(x) : x;
          for (let i = 0; i < kernelsCount; i++) {
            acc[i] = (acc[i] as number) + logStdNormalPdf((t - (kern.mu[i] as number)) / (kern.sigma[i] as number)) - (kern.logNorm[i] as number);
          }
        }
      }
      out[r] = logSumExp(acc);
    }
    return out;
  }
}
