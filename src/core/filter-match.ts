import type { FilterExpression, FilterField, FilterLiteral, FilterOperator } from './filter.js';
import type { Experiment } from './types.js';

/** What a filter is evaluated against: the experiment, its evaluation metrics, its last training values. */
export interface FilterSubject {
  experiment: Experiment;
  /** benchmark → metric → value (the latest evaluation of each benchmark). */
  evaluations: ReadonlyMap<string, Readonly<Record<string, number>>>;
  /** training metric key → value at its highest step. */
  lastMetrics: ReadonlyMap<string, number>;
}

/**
 * Evaluates a filter in memory, with SQL's semantics: a comparison with a missing value is false
 * (use `exists`), values of different types are never equal or ordered, and `!=` of different
 * types is true. SQL backends compile the same tree and must agree with this function.
 *
 * @example
 * ```ts
 * matchesFilter({ kind: 'exists', field: { scope: 'tags', key: 'stage' }, negated: false }, subject);
 * ```
 */
export function matchesFilter(expression: FilterExpression, subject: FilterSubject): boolean {
  switch (expression.kind) {
    case 'and':
      return matchesFilter(expression.left, subject) && matchesFilter(expression.right, subject);
    case 'or':
      return matchesFilter(expression.left, subject) || matchesFilter(expression.right, subject);
    case 'not':
      return !matchesFilter(expression.operand, subject);
    case 'exists':
      return (resolveField(expression.field, subject) !== undefined) !== expression.negated;
    case 'in': {
      const value = resolveField(expression.field, subject);
      if (value === undefined) return false;
      return expression.values.some((literal) => compare(readAs(expression.field, value, literal), '=', literal)) !== expression.negated;
    }
    case 'compare': {
      const value = resolveField(expression.field, subject);
      if (value === undefined) return false;
      return compare(readAs(expression.field, value, expression.value), expression.op, expression.value);
    }
  }
}

type Scalar = string | number | boolean | null;

/**
 * The text of a number as JSON writes it, at most 30 characters with an exponent of at most two
 * digits (so every SQL dialect reads it as the same finite double): `"0.01"`, `"1e-05"`, `"42"`.
 * MLflow keeps params as such strings; a config string of this form compares as its number with a
 * number literal (`params.lr < 0.1` matches `"0.01"`). SQL backends compile the same rule.
 *
 * @example
 * ```ts
 * NUMERIC_TEXT.test('1e-05'); // true
 * NUMERIC_TEXT.test('01');    // false
 * ```
 */
export const NUMERIC_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]{1,2})?$/;

/** The longest string {@link NUMERIC_TEXT} reads as a number. */
export const NUMERIC_TEXT_MAX_LENGTH = 30;

/** A config string in {@link NUMERIC_TEXT} form reads as its number when the literal is a number. */
function readAs(field: FilterField, value: Scalar, literal: FilterLiteral): Scalar {
  const numeric = field.scope === 'params' && typeof literal === 'number' && typeof value === 'string'
    && value.length <= NUMERIC_TEXT_MAX_LENGTH && NUMERIC_TEXT.test(value);
  return numeric ? Number(value) : value;
}

function resolveField(field: FilterField, subject: FilterSubject): Scalar | undefined {
  const { experiment } = subject;
  switch (field.scope) {
    case 'params':
      return scalarAt(experiment.config, field.keys ?? field.path.split('.'));
    case 'tags':
      return ownValue(experiment.tags, field.key);
    case 'metrics':
      return field.benchmark === null
        ? subject.lastMetrics.get(field.metric)
        : ownValue(subject.evaluations.get(field.benchmark), field.metric);
    case 'summary': {
      const value = ownValue(experiment.summary, field.key);
      return typeof value === 'object' && value !== null ? undefined : value;
    }
    case 'attribute':
      switch (field.name) {
        case 'id':
          return experiment.id;
        case 'name':
          return experiment.name;
        case 'status':
          return experiment.status;
        case 'group':
          return experiment.group ?? undefined;
        case 'created':
          return experiment.createdAt;
        case 'commit':
          return experiment.git?.commit ?? undefined;
        case 'notes':
          return experiment.notes;
      }
  }
}

/** The scalar at a key path of a JSON object; objects and arrays count as missing. */
function scalarAt(root: unknown, path: readonly string[]): Scalar | undefined {
  let node: unknown = root;
  for (const part of path) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = ownValue(node as Record<string, unknown>, part);
  }
  if (node === null || typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean') return node;
  return undefined;
}

function compare(value: Scalar, op: FilterOperator, literal: FilterLiteral): boolean {
  if (op === 'like') return typeof value === 'string' && typeof literal === 'string' && like(value, literal);
  const sameType = typeof value === typeof literal && (value === null) === (literal === null);
  if (!sameType) return op === '!=';
  switch (op) {
    case '=':
      return value === literal;
    case '!=':
      return value !== literal;
    case '<':
      return (value as number | string) < (literal as number | string);
    case '<=':
      return (value as number | string) <= (literal as number | string);
    case '>':
      return (value as number | string) > (literal as number | string);
    case '>=':
      return (value as number | string) >= (literal as number | string);
  }
}

/** A property of the object itself (never one inherited, such as `constructor`), as SQL sees JSON. */
function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/** SQL LIKE: `%` any run, `_` one character, case-insensitive for ASCII letters only (as SQLite). */
function like(value: string, pattern: string): boolean {
  const body = foldAscii(pattern).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '[\\s\\S]*').replace(/_/g, '[\\s\\S]');
  return new RegExp(`^${body}$`, 'u').test(foldAscii(value));
}

function foldAscii(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}
