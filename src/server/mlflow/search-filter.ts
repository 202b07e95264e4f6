/**
 * MLflow's search filter grammar (`metrics.acc > 0.9 and params.lr = '0.01' and tags.stage LIKE 'sft%'`):
 * clauses joined by `AND`, each an entity, a comparator and a value. Entities are `metrics.`,
 * `params.`, `tags.` or `attributes.` (and MLflow's other spellings of them) followed by a key, bare
 * or quoted with backticks or double quotes; a bare name is an attribute. Comparators: `=`, `!=`,
 * `<`, `<=`, `>`, `>=` (numbers: metrics and time attributes), `LIKE` (case-sensitive), `ILIKE`,
 * `IN`, `NOT IN`, `IS NULL`, `IS NOT NULL`. The same grammar filters experiments (`name LIKE 'a%'`,
 * `tags.team = 'nlp'`).
 * @module
 */
import { invalidValue } from './mlflow-error.js';

/** What a clause names. */
export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

/** One comparison of a filter. */
export interface FilterClause {
  type: EntityType;
  key: string;
  comparator: '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN' | 'IS NULL' | 'IS NOT NULL';
  value: string | number | string[] | null;
}

const PREFIXES: Record<string, EntityType> = {
  metric: 'metric',
  metrics: 'metric',
  param: 'param',
  params: 'param',
  parameter: 'param',
  parameters: 'param',
  tag: 'tag',
  tags: 'tag',
  attribute: 'attribute',
  attributes: 'attribute',
  attr: 'attribute',
  run: 'attribute',
  dataset: 'dataset',
  datasets: 'dataset',
};

/**
 * Parses a filter; an empty or missing filter is no clause.
 *
 * @throws MlflowError `INVALID_PARAMETER_VALUE` naming what could not be read
 */
export function parseSearchFilter(text: string | undefined): FilterClause[] {
  if (text === undefined || text.trim() === '') return [];
  if (text.length > 10_000) throw invalidValue('Invalid filter: longer than 10,000 characters');
  const scanner = new Scanner(text);
  const clauses: FilterClause[] = [];
  for (;;) {
    clauses.push(clause(scanner));
    scanner.space();
    if (scanner.done()) return clauses;
    if (!scanner.keyword('AND')) throw invalidValue(`Invalid filter '${text.slice(0, 200)}': expected AND at "${scanner.rest().slice(0, 40)}" (only AND joins clauses)`);
  }
}

function clause(s: Scanner): FilterClause {
  s.space();
  const [type, key] = identifier(s);
  s.space();
  const comparator = comparatorOf(s);
  s.space();
  if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') return { type, key, comparator, value: null };
  if (comparator === 'IN' || comparator === 'NOT IN') {
    if (!s.take('(')) throw s.error('expected ( after IN');
    const values: string[] = [];
    for (;;) {
      s.space();
      values.push(stringLiteral(s));
      s.space();
      if (s.take(')')) break;
      if (!s.take(',')) throw s.error('expected , or ) in the IN list');
    }
    return { type, key, comparator, value: values };
  }
  const value = s.peek() === "'" || s.peek() === '"' ? stringLiteral(s) : numberLiteral(s);
  return { type, key, comparator, value };
}

function identifier(s: Scanner): [EntityType, string] {
  const word = s.match(/^[A-Za-z_][A-Za-z0-9_]*/);
  if (word === undefined) {
    if (s.peek() === '`' || s.peek() === '"') return ['attribute', quoted(s)];
    throw s.error('expected an entity such as metrics.<key>, params.<key>, tags.<key> or attributes.<name>');
  }
  const type = PREFIXES[word.toLowerCase()];
  if (type === undefined || !s.take('.')) {
    if (type !== undefined) throw s.error(`expected . after ${word}`);
    return ['attribute', word];
  }
  if (s.peek() === '`' || s.peek() === '"') return [type, quoted(s)];
  const key = s.match(/^[^\s=!<>(),]+/);
  if (key === undefined) throw s.error(`expected a key after ${word}.`);
  return [type, key];
}

function comparatorOf(s: Scanner): FilterClause['comparator'] {
  const symbol = s.match(/^(!=|<>|<=|>=|=|<|>)/);
  if (symbol !== undefined) return symbol === '<>' ? '!=' : (symbol as FilterClause['comparator']);
  if (s.keyword('LIKE')) return 'LIKE';
  if (s.keyword('ILIKE')) return 'ILIKE';
  if (s.keyword('IN')) return 'IN';
  if (s.keyword('NOT')) {
    s.space();
    if (s.keyword('IN')) return 'NOT IN';
    throw s.error('expected IN after NOT');
  }
  if (s.keyword('IS')) {
    s.space();
    const negated = s.keyword('NOT');
    s.space();
    if (!s.keyword('NULL')) throw s.error('expected NULL after IS');
    return negated ? 'IS NOT NULL' : 'IS NULL';
  }
  throw s.error('expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL)');
}

function quoted(s: Scanner): string {
  const quote = s.next();
  let out = '';
  for (;;) {
    if (s.done()) throw s.error(`unterminated ${quote}`);
    const c = s.next();
    if (c === quote) {
      if (s.peek() === quote) {
        out += s.next();
        continue;
      }
      return out;
    }
    out += c;
  }
}

function stringLiteral(s: Scanner): string {
  if (s.peek() !== "'" && s.peek() !== '"') throw s.error('expected a quoted string');
  return quoted(s);
}

function numberLiteral(s: Scanner): number {
  const text = s.match(/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/);
  if (text === undefined) throw s.error('expected a number or a quoted string');
  return Number(text);
}

class Scanner {
  private at = 0;
  constructor(private readonly text: string) {}
  done = () => this.at >= this.text.length;
  peek = () => this.text[this.at];
  next = () => this.text[this.at++]!;
  rest = () => this.text.slice(this.at);
  space(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }
  take(literal: string): boolean {
    if (!this.text.startsWith(literal, this.at)) return false;
    this.at += literal.length;
    return true;
  }
  match(pattern: RegExp): string | undefined {
    const found = pattern.exec(this.rest());
    if (found === null) return undefined;
    this.at += found[0].length;
    return found[0];
  }
  /** A case-insensitive keyword followed by a non-word character. */
  keyword(word: string): boolean {
    const candidate = this.text.slice(this.at, this.at + word.length);
    const after = this.text[this.at + word.length];
    if (candidate.toUpperCase() !== word || (after !== undefined && /\w/.test(after))) return false;
    this.at += word.length;
    return true;
  }
  error(what: string) {
    return invalidValue(`Invalid filter '${this.text.slice(0, 200)}': ${what} at position ${this.at}`);
  }
}

/** Reads an entity's value: a number, a string, or undefined when the entity has no such key. */
export type EntityLookup = (type: EntityType, key: string) => string | number | undefined;

/** Whether an entity passes every clause. */
export function matchesFilter(clauses: readonly FilterClause[], lookup: EntityLookup): boolean {
  return clauses.every((c) => matchesClause(c, lookup(c.type, c.key)));
}

function matchesClause(clause: FilterClause, actual: string | number | undefined): boolean {
  const { comparator, value } = clause;
  if (comparator === 'IS NULL') return actual === undefined;
  if (comparator === 'IS NOT NULL') return actual !== undefined;
  if (actual === undefined) return false;
  if (comparator === 'IN' || comparator === 'NOT IN') return (value as string[]).includes(String(actual)) === (comparator === 'IN');
  if (comparator === 'LIKE' || comparator === 'ILIKE') return likePattern(String(value), comparator === 'ILIKE').test(String(actual));
  if (typeof value === 'number') {
    const number = typeof actual === 'number' ? actual : Number(actual);
    if (typeof actual === 'string' && (actual.trim() === '' || Number.isNaN(number))) return false;
    return compare(number, value, comparator);
  }
  return compare(String(actual), String(value), comparator);
}

function compare<T extends number | string>(a: T, b: T, comparator: FilterClause['comparator']): boolean {
  switch (comparator) {
    case '=':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
    default:
      return false;
  }
}

/** SQL's LIKE as a regular expression: `%` any run, `_` one character. */
function likePattern(pattern: string, ignoreCase: boolean): RegExp {
  const body = [...pattern].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, ignoreCase ? 'is' : 's');
}
