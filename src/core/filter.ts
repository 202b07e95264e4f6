/**
 * The typed syntax tree of an experiment filter (`params.lr < 1e-4 and tags.stage = "sft"`).
 * `exptrack/analysis` parses text into it; SQL backends compile it to parameterised SQL; the memory
 * backend evaluates it in place.
 * @module
 */

/** A literal a filter compares against. */
export type FilterLiteral = string | number | boolean | null;

/** What a filter term names. */
export type FilterField =
  /**
   * A config value, by dotted path: `params.optimizer.name`. `keys` holds the path's keys when one
   * of them has a dot itself (written in backticks: ``params.`data.v2`.size`` is
   * `['data.v2', 'size']`); without it the path is split at its dots.
   */
  | { scope: 'params'; path: string; keys?: string[] }
  /** A tag value: `tags.stage`. */
  | { scope: 'tags'; key: string }
  /** An evaluation metric (`metrics.gsm8k.accuracy`), or with `benchmark: null` the last value of a training metric (`metrics.loss`). */
  | { scope: 'metrics'; benchmark: string | null; metric: string }
  /** A top-level value of the run's summary: `summary.cost/usd`, `summary.best_loss`. */
  | { scope: 'summary'; key: string }
  /** A column of the experiment itself. `created` is milliseconds since the epoch. */
  | { scope: 'attribute'; name: 'id' | 'name' | 'status' | 'group' | 'created' | 'commit' | 'notes' };

/** A comparison operator. `like` uses SQL's `%` and `_`, case-insensitive for ASCII. */
export type FilterOperator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'like';

/**
 * A parsed filter.
 *
 * @example
 * ```ts
 * const f: FilterExpression = {
 *   kind: 'compare', field: { scope: 'params', path: 'learning_rate' }, op: '<', value: 1e-4,
 * };
 * ```
 */
export type FilterExpression =
  | { kind: 'and' | 'or'; left: FilterExpression; right: FilterExpression }
  | { kind: 'not'; operand: FilterExpression }
  | { kind: 'compare'; field: FilterField; op: FilterOperator; value: FilterLiteral }
  | { kind: 'in'; field: FilterField; values: FilterLiteral[]; negated: boolean }
  | { kind: 'exists'; field: FilterField; negated: boolean };
