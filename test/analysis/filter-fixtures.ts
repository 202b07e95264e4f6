// Generated experiments and filters shared by the filter tests: the SQL compiler is checked
// against the in-memory evaluator on exactly these rows.
import type { Experiment, FilterExpression, FilterField, FilterLiteral, FilterOperator } from 'exptrack';

/** A small seeded PRNG (mulberry32), so a failing case can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

export interface FixtureRun {
  experiment: Experiment;
  /** Evaluations in writing order. */
  evaluations: { benchmark: string; metrics: Record<string, number> }[];
  /** Training metric key → last value. */
  lastMetrics: Map<string, number>;
}

const MISSING = Symbol('missing');

function maybe<T>(random: () => number, items: readonly (T | typeof MISSING)[], into: Record<string, unknown>, key: string): void {
  const value = pick(random, items);
  if (value !== MISSING) into[key] = value;
}

export function makeRuns(random: () => number, count: number): FixtureRun[] {
  const runs: FixtureRun[] = [];
  for (let i = 0; i < count; i++) {
    const config: Record<string, unknown> = {};
    maybe(random, [1e-4, 3e-4, 0.001, 1, 0, -2, 1e21, '0.001', null, true, MISSING], config, 'lr');
    maybe(random, ['adam', 'sgd', 'Adam', { name: 'adam', beta: 0.9 }, { name: 'sgd', beta: null }, MISSING], config, 'opt');
    maybe(random, [true, false, 'true', 1, MISSING], config, 'flag');
    // Params as MLflow keeps them: strings, some of them number text (NUMERIC_TEXT), some not.
    maybe(random, ['1e-05', '42', '-0.5', '0.30000000000000004', '01', '1e999', '1e-400', ' 1', '1.', 'NaN', '1E+2', 42, MISSING], config, 'seed');
    maybe(random, [[1, 2], ['x'], [], MISSING], config, 'arr');
    maybe(random, [{ a: { b: 1 } }, { a: { b: 'x' } }, { a: { b: null } }, { a: [1] }, { a: 'b' }, MISSING], config, 'nested');
    maybe(random, [1, 'x', MISSING], config, 'q"k');
    maybe(random, [7, MISSING], config, '0');
    const tags: Record<string, string> = {};
    maybe(random, ['sft', 'rl', 'SFT', '', MISSING], tags, 'stage');
    maybe(random, ['x', 'y', MISSING], tags, 'a.b');
    const evaluations: FixtureRun['evaluations'] = [];
    const evalCount = Math.floor(random() * 4);
    for (let k = 0; k < evalCount; k++) {
      const metrics: Record<string, number> = {};
      maybe(random, [0.5, 0.7, 1, 0, NaN, Infinity, -Infinity, 0.69, MISSING], metrics, 'accuracy');
      maybe(random, [0.1, 0.7, MISSING], metrics, 'f1');
      evaluations.push({ benchmark: pick(random, ['gsm8k', 'mmlu']), metrics });
    }
    const lastMetrics = new Map<string, number>();
    for (const key of ['loss', 'train/acc']) {
      const value = pick(random, [0.5, 2, 0, NaN, Infinity, -Infinity, 0.7, MISSING]);
      if (typeof value === 'number') lastMetrics.set(key, value);
    }
    const summary: Record<string, unknown> = {};
    maybe(random, [0.5, 2, 4.99, 5, 12.5, 'x', null, true, { usd: 1 }, MISSING], summary, 'cost/usd');
    maybe(random, [0, 1.5, MISSING], summary, 'compute/gpu_hours');
    runs.push({
      experiment: {
        id: `exp_${String(i).padStart(3, '0')}`,
        name: pick(random, ['alpha', 'Beta', 'gamma-1', 'délta', '', 'a_b%']),
        notes: pick(random, ['', 'first try', 'LR sweep']),
        group: pick(random, [null, 'g1', 'g2']),
        config: config as Experiment['config'],
        tags,
        status: pick(random, ['running', 'completed', 'failed', 'killed', 'crashed'] as const),
        createdAt: pick(random, [1_700_000_000_000, 1_767_225_600_000, 1_767_225_600_001, 1_800_000_000_000]),
        endedAt: null,
        heartbeatAt: null,
        git: random() < 0.5 ? null : {
          commit: pick(random, ['a'.repeat(40), 'b'.repeat(40)]),
          branch: 'main', remoteUrl: null, dirty: false, changedFiles: [], untrackedCount: 0, patch: null, patchTruncated: false, root: '/r', via: 'git-cli',
        },
        environment: null,
        summary: summary as Experiment['summary'],
        error: null,
      },
      evaluations,
      lastMetrics,
    });
  }
  return runs;
}

const FIELDS: FilterField[] = [
  { scope: 'params', path: 'lr' },
  { scope: 'params', path: 'opt' },
  { scope: 'params', path: 'opt.name' },
  { scope: 'params', path: 'opt.beta' },
  { scope: 'params', path: 'flag' },
  { scope: 'params', path: 'seed' },
  { scope: 'params', path: 'arr' },
  { scope: 'params', path: 'arr.0' },
  { scope: 'params', path: 'nested.a.b' },
  { scope: 'params', path: 'nested.a' },
  { scope: 'params', path: 'q"k' },
  { scope: 'params', path: '0' },
  { scope: 'params', path: 'absent' },
  { scope: 'tags', key: 'stage' },
  { scope: 'tags', key: 'a.b' },
  { scope: 'tags', key: 'none' },
  { scope: 'metrics', benchmark: 'gsm8k', metric: 'accuracy' },
  { scope: 'metrics', benchmark: 'mmlu', metric: 'accuracy' },
  { scope: 'metrics', benchmark: 'gsm8k', metric: 'f1' },
  { scope: 'metrics', benchmark: 'arc', metric: 'accuracy' },
  { scope: 'metrics', benchmark: null, metric: 'loss' },
  { scope: 'metrics', benchmark: null, metric: 'train/acc' },
  { scope: 'summary', key: 'cost/usd' },
  { scope: 'summary', key: 'compute/gpu_hours' },
  { scope: 'summary', key: 'absent' },
  { scope: 'attribute', name: 'id' },
  { scope: 'attribute', name: 'name' },
  { scope: 'attribute', name: 'status' },
  { scope: 'attribute', name: 'group' },
  { scope: 'attribute', name: 'created' },
  { scope: 'attribute', name: 'commit' },
  { scope: 'attribute', name: 'notes' },
];

const LITERALS: FilterLiteral[] = [
  0, 1, -2, 1e-4, 3e-4, 0.001, 0.5, 0.7, 2, 1e21, 1_767_225_600_000, 1e-5, 42, -0.5, 0.30000000000000004, 100,
  'adam', 'Adam', 'sft', 'SFT', '', 'alpha', 'délta', 'x', '0.001', 'true', 'exp_001', 'completed', 'g1', 'a'.repeat(40),
  true, false, null,
];
const LIKE_PATTERNS = ['a%', '%A%', '_l%', 'sft', '%', '', 'ex%_1%', '%1', 'S_T', '%\\%', 'a\\_b%'];
const OPERATORS: FilterOperator[] = ['=', '!=', '<', '<=', '>', '>=', 'like'];

/** A random filter over {@link FIELDS}; `extremes` adds NaN and ±Infinity literals (not writable as text). */
export function randomFilter(random: () => number, depth: number, extremes: boolean): FilterExpression {
  const roll = random();
  if (depth > 0 && roll < 0.35) {
    return { kind: random() < 0.5 ? 'and' : 'or', left: randomFilter(random, depth - 1, extremes), right: randomFilter(random, depth - 1, extremes) };
  }
  if (depth > 0 && roll < 0.45) return { kind: 'not', operand: randomFilter(random, depth - 1, extremes) };
  const field = pick(random, FIELDS);
  const literal = (): FilterLiteral => (extremes && random() < 0.1 ? pick(random, [NaN, Infinity, -Infinity]) : pick(random, LITERALS));
  const leaf = random();
  if (leaf < 0.15) return { kind: 'exists', field, negated: random() < 0.5 };
  if (leaf < 0.35) {
    const n = Math.floor(random() * 4);
    return { kind: 'in', field, values: Array.from({ length: n }, literal), negated: random() < 0.5 };
  }
  const op = pick(random, OPERATORS);
  if (op === 'like') return { kind: 'compare', field, op, value: random() < 0.85 ? pick(random, LIKE_PATTERNS) : literal() };
  return { kind: 'compare', field, op, value: literal() };
}
