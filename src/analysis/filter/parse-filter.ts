import type { FilterExpression, FilterField, FilterLiteral, FilterOperator } from '../../core/filter.js';
import { filterParseError, tokenizeFilter, type FilterToken } from './tokenize-filter.js';

const ATTRIBUTES = ['id', 'name', 'status', 'group', 'created', 'commit', 'notes'] as const;
type AttributeName = (typeof ATTRIBUTES)[number];
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'like', 'exists', 'true', 'false', 'null']);

/**
 * Parses the text of an experiment filter into its typed syntax tree, which
 * `store.getAllExperiments({ where })` of every readable backend accepts (SQL backends compile it to
 * parameterised SQL, the memory backend evaluates it in place).
 *
 * The language:
 * - terms: `field op literal`, `field like 'pattern'` (`%` any run, `_` one character),
 *   `field [not] in (literal, ...)`, `field exists`, `field not exists`, `exists field`;
 * - operators `=` (also `==`), `!=` (also `<>`), `<`, `<=`, `>`, `>=`; `and`, `or`, `not` and
 *   parentheses, with `not` binding tighter than `and`, and `and` tighter than `or`; keywords are
 *   case-insensitive;
 * - literals: strings in single or double quotes (backslash escapes `\n \t \\ \' \" \uXXXX`),
 *   numbers (`3`, `-0.5`, `1e-4`), `true`, `false`, `null`;
 * - fields: `params.<path>` (a config value, nested keys by dots), `tags.<key>`,
 *   `metrics.<benchmark>.<metric>` (the latest evaluation of a benchmark; further dots belong to the
 *   metric name), `metrics.<key>` (the last value of a training metric), and the attributes `id`,
 *   `name`, `status`, `group`, `created`, `commit` (the git commit) and `notes`, optionally written
 *   `attributes.status`. A name segment with other characters goes in backticks:
 *   ``metrics.`mmlu.pro`.accuracy``. `created` compares with milliseconds since the epoch or an ISO
 *   date string (`created >= "2026-01-01"`), converted to milliseconds here.
 *
 * A comparison with a field the experiment does not have is false (as in SQL); `not in` and
 * `not like` are false for a missing field too, while `not (...)` is the plain negation.
 *
 * @param text - The filter, e.g. `params.learning_rate < 1e-4 and tags.stage = "sft"`.
 * @returns The filter's syntax tree.
 * @throws ExptrackError with code `parse_error` when the text is malformed. Its message shows the
 * text with a caret under the offending token; its `field` is `'filter'` and its `value` is a
 * {@link FilterParseErrorDetails} with the 1-based `column`, the `token` and the `input`.
 *
 * @example
 * ```ts
 * import { parseFilter } from 'exptrack/analysis';
 * const where = parseFilter('params.learning_rate < 1e-4 and tags.stage = "sft" or metrics.gsm8k.accuracy >= 0.7');
 * const runs = await store.getAllExperiments({ where });
 * parseFilter('params.lr <');
 * // ExptrackError (parse_error): invalid filter at column 12: expected a value after '<', found the end of the filter
 * ```
 */
export function parseFilter(text: string): FilterExpression {
  if (typeof text !== 'string') throw filterParseError(String(text), 1, '', `a filter must be a string (got ${typeof text})`);
  const parser = new FilterParser(text, tokenizeFilter(text));
  return parser.parse();
}

class FilterParser {
  private index = 0;

  constructor(
    private readonly input: string,
    private readonly tokens: FilterToken[],
  ) {}

  parse(): FilterExpression {
    if (this.peek().kind === 'end') throw this.fail(this.peek(), 'the filter is empty');
    const expression = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== 'end') {
      const hint = rest.kind === 'punctuation' && rest.text === ')' ? 'a ")" without its "("' : `expected "and", "or" or the end of the filter, found ${describe(rest)}`;
      throw this.fail(rest, hint);
    }
    return expression;
  }

  private parseOr(): FilterExpression {
    let left = this.parseAnd();
    while (this.isKeyword(this.peek(), 'or')) {
      this.next();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterExpression {
    let left = this.parseUnary();
    while (this.isKeyword(this.peek(), 'and')) {
      this.next();
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): FilterExpression {
    const token = this.peek();
    if (this.isKeyword(token, 'not')) {
      this.next();
      if (this.isKeyword(this.peek(), 'exists')) {
        this.next();
        return { kind: 'exists', field: this.parseField(), negated: true };
      }
      return { kind: 'not', operand: this.parseUnary() };
    }
    if (this.isKeyword(token, 'exists')) {
      this.next();
      return { kind: 'exists', field: this.parseField(), negated: false };
    }
    if (token.kind === 'punctuation' && token.text === '(') {
      this.next();
      if (this.peek().kind === 'punctuation' && this.peek().text === ')') throw this.fail(this.peek(), 'empty parentheses');
      const inner = this.parseOr();
      const close = this.peek();
      if (!(close.kind === 'punctuation' && close.text === ')')) {
        throw this.fail(close, `expected ")" to close the "(" at column ${token.column}, found ${describe(close)}`);
      }
      this.next();
      return inner;
    }
    return this.parseTerm();
  }

  private parseTerm(): FilterExpression {
    const field = this.parseField();
    const token = this.next();
    if (token.kind === 'operator') {
      const op = normaliseOperator(token.text);
      const value = this.parseLiteral(field, token);
      return { kind: 'compare', field, op, value };
    }
    if (this.isKeyword(token, 'like')) return this.parseLike(field, token);
    if (this.isKeyword(token, 'in')) return { kind: 'in', field, values: this.parseList(field), negated: false };
    if (this.isKeyword(token, 'exists')) return { kind: 'exists', field, negated: false };
    if (this.isKeyword(token, 'not')) {
      const after = this.next();
      if (this.isKeyword(after, 'in')) return { kind: 'in', field, values: this.parseList(field), negated: true };
      if (this.isKeyword(after, 'exists')) return { kind: 'exists', field, negated: true };
      if (this.isKeyword(after, 'like')) {
        const like = this.parseLike(field, after);
        return { kind: 'and', left: { kind: 'exists', field, negated: false }, right: { kind: 'not', operand: like } };
      }
      throw this.fail(after, `expected "in", "like" or "exists" after "not", found ${describe(after)}`);
    }
    throw this.fail(token, `expected an operator (=, !=, <, <=, >, >=, like, in, exists) after the field, found ${describe(token)}`);
  }

  private parseLike(field: FilterField, likeToken: FilterToken): FilterExpression {
    const pattern = this.next();
    if (pattern.kind !== 'string') throw this.fail(pattern, `"${likeToken.text}" needs a quoted pattern, found ${describe(pattern)}`);
    return { kind: 'compare', field, op: 'like', value: pattern.text };
  }

  private parseList(field: FilterField): FilterLiteral[] {
    const open = this.next();
    if (!(open.kind === 'punctuation' && open.text === '(')) throw this.fail(open, `expected "(" to open the list, found ${describe(open)}`);
    const values: FilterLiteral[] = [];
    const first = this.peek();
    if (first.kind === 'punctuation' && first.text === ')') {
      // An empty list: `in ()` matches nothing, `not in ()` every run that has the field.
      this.next();
      return values;
    }
    for (;;) {
      values.push(this.parseLiteral(field, undefined));
      const separator = this.next();
      if (separator.kind === 'punctuation' && separator.text === ')') return values;
      if (!(separator.kind === 'punctuation' && separator.text === ',')) {
        throw this.fail(separator, `expected "," or ")" in the list opened at column ${open.column}, found ${describe(separator)}`);
      }
    }
  }

  private parseLiteral(field: FilterField, operator: FilterToken | undefined): FilterLiteral {
    const token = this.next();
    let value: FilterLiteral;
    if (token.kind === 'string') value = token.text;
    else if (token.kind === 'number') value = token.number as number;
    else if (this.isKeyword(token, 'true')) value = true;
    else if (this.isKeyword(token, 'false')) value = false;
    else if (this.isKeyword(token, 'null')) value = null;
    else {
      const where = operator === undefined ? 'in the list' : `after '${operator.text}'`;
      throw this.fail(token, `expected a value (a quoted string, a number, true, false or null) ${where}, found ${describe(token)}`);
    }
    if (typeof value === 'number' && !Number.isFinite(value)) throw this.fail(token, `the number ${token.text} is out of range`);
    if (field.scope === 'attribute' && field.name === 'created' && typeof value === 'string') {
      const ms = parseDate(value);
      if (ms === undefined) throw this.fail(token, `"created" compares with an ISO date ("2026-01-31" or "2026-01-31T12:00:00Z") or milliseconds, found ${describe(token)}`);
      return ms;
    }
    return value;
  }

  private parseField(): FilterField {
    const first = this.next();
    if (first.kind === 'word' && KEYWORDS.has(first.text.toLowerCase())) {
      throw this.fail(first, `expected a field (params.*, tags.*, metrics.*, or one of ${ATTRIBUTES.join(', ')}), found the keyword "${first.text}"`);
    }
    if (first.kind !== 'word') {
      throw this.fail(first, `expected a field (params.*, tags.*, metrics.*, or one of ${ATTRIBUTES.join(', ')}), found ${describe(first)}`);
    }
    const segments: FilterToken[] = [];
    while (this.peek().kind === 'punctuation' && this.peek().text === '.') {
      const dot = this.next();
      const segment = this.next();
      if (segment.kind !== 'word' && segment.kind !== 'quoted-name') throw this.fail(segment, `expected a name after "." at column ${dot.column}, found ${describe(segment)}`);
      segments.push(segment);
    }
    const names = segments.map((s) => s.text);
    switch (first.text) {
      case 'params':
      case 'param':
      case 'config':
        if (names.length === 0) throw this.fail(this.peek(), `expected "." and a config key after "${first.text}"`);
        // A backticked key may hold a dot: keep the keys apart then, as written.
        return names.some((n) => n.includes('.')) ? { scope: 'params', path: names.join('.'), keys: names } : { scope: 'params', path: names.join('.') };
      case 'tags':
      case 'tag':
        if (names.length === 0) throw this.fail(this.peek(), `expected "." and a tag name after "${first.text}"`);
        return { scope: 'tags', key: names.join('.') };
      case 'metrics':
      case 'metric': {
        if (names.length === 0) throw this.fail(this.peek(), `expected "." and a metric (metrics.<benchmark>.<metric> or metrics.<training key>) after "${first.text}"`);
        const [benchmark, ...metric] = names as [string, ...string[]];
        return metric.length === 0 ? { scope: 'metrics', benchmark: null, metric: benchmark } : { scope: 'metrics', benchmark, metric: metric.join('.') };
      }
      case 'summary':
        if (names.length === 0) throw this.fail(this.peek(), `expected "." and a summary key (summary.cost/usd) after "${first.text}"`);
        return { scope: 'summary', key: names.join('.') };
      case 'attributes':
      case 'attribute': {
        const [name, ...rest] = segments;
        if (name === undefined) throw this.fail(this.peek(), `expected "." and an attribute (${ATTRIBUTES.join(', ')}) after "${first.text}"`);
        if (rest[0] !== undefined) throw this.fail(rest[0], `an attribute has no sub-fields`);
        return this.attribute(name);
      }
      default:
        if (segments[0] !== undefined) {
          throw this.fail(first, `unknown field prefix "${first.text}": use params.*, tags.*, metrics.* or summary.*`);
        }
        return this.attribute(first);
    }
  }

  private attribute(token: FilterToken): FilterField {
    const name = token.text === 'git_commit' ? 'commit' : token.text === 'created_at' ? 'created' : token.text;
    if ((ATTRIBUTES as readonly string[]).includes(name)) return { scope: 'attribute', name: name as AttributeName };
    throw this.fail(token, `unknown field "${token.text}": use params.${token.text}, tags.${token.text}, metrics.${token.text}, or one of ${ATTRIBUTES.join(', ')}`);
  }

  private isKeyword(token: FilterToken, keyword: string): boolean {
    return token.kind === 'word' && token.text.toLowerCase() === keyword;
  }

  private peek(): FilterToken {
    return this.tokens[this.index] as FilterToken;
  }

  private next(): FilterToken {
    const token = this.peek();
    if (token.kind !== 'end') this.index += 1;
    return token;
  }

  private fail(token: FilterToken, problem: string) {
    return filterParseError(this.input, token.column, token.kind === 'end' ? '' : tokenSource(this.input, token), problem);
  }
}

function normaliseOperator(text: string): FilterOperator {
  if (text === '==') return '=';
  if (text === '<>') return '!=';
  return text as FilterOperator;
}

function describe(token: FilterToken): string {
  if (token.kind === 'end') return 'the end of the filter';
  if (token.kind === 'string') return `the string ${JSON.stringify(token.text)}`;
  if (token.kind === 'number') return `the number ${token.text}`;
  return `"${token.text}"`;
}

function tokenSource(input: string, token: FilterToken): string {
  if (token.kind === 'string' || token.kind === 'quoted-name') {
    const quote = input[token.column - 1] as string;
    return `${quote}${token.text}${quote}`;
  }
  return token.text;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO date or date-time as milliseconds; a date without a zone is read as UTC. */
function parseDate(text: string): number | undefined {
  if (!ISO_DATE.test(text)) return undefined;
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(text) && text.length > 10;
  const normalised = text.replace(' ', 'T');
  const ms = Date.parse(hasZone || text.length === 10 ? normalised : `${normalised}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}
