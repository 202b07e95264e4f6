import { ExptrackError } from '../../core/errors.js';

/** One token of a filter text, with the 1-based column it starts at. */
export interface FilterToken {
  kind: 'word' | 'quoted-name' | 'string' | 'number' | 'operator' | 'punctuation' | 'end';
  /** The token's value: a word or name as written, a string's unescaped content, an operator. */
  text: string;
  /** The number a `number` token stands for. */
  number?: number;
  /** 1-based column of the token's first character. */
  column: number;
}

/**
 * What a filter `parse_error` carries in its `value` field.
 *
 * @example
 * ```ts
 * import { parseFilter, type FilterParseErrorDetails } from 'exptrack/analysis';
 * import { ExptrackError } from 'exptrack';
 * try { parseFilter('params.lr <'); } catch (e) {
 *   if (ExptrackError.is(e) && e.code === 'parse_error') (e.value as FilterParseErrorDetails).column; // 12
 * }
 * ```
 */
export interface FilterParseErrorDetails {
  /** The whole filter text. */
  input: string;
  /** 1-based column of the offending token (one past the end when the text ended too early). */
  column: number;
  /** The offending token as written, or `''` at the end of the text. */
  token: string;
}

const OPERATORS = ['<=', '>=', '!=', '<>', '==', '=', '<', '>'] as const;
const WORD_START = /[A-Za-z_]/;
const WORD_PART = /[A-Za-z0-9_\-/:@]/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', t: '\t', r: '\r', '0': '\0', '\\': '\\', "'": "'", '"': '"', '`': '`' };

/** Builds the `parse_error` of a filter, with a caret under the offending column. */
export function filterParseError(input: string, column: number, token: string, problem: string): ExptrackError {
  const caret = `${' '.repeat(Math.max(0, column - 1))}^`;
  const message = `invalid filter at column ${column}: ${problem}\n  ${input}\n  ${caret}`;
  const value: FilterParseErrorDetails = { input, column, token };
  return new ExptrackError(message, { code: 'parse_error', field: 'filter', value });
}

/** Splits a filter into tokens; the last one is always `end`. */
export function tokenizeFilter(input: string): FilterToken[] {
  const tokens: FilterToken[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const column = i + 1;
    if (ch === '"' || ch === "'" || ch === '`') {
      const { text, next } = readQuoted(input, i);
      tokens.push({ kind: ch === '`' ? 'quoted-name' : 'string', text, column });
      i = next;
      continue;
    }
    const previous = tokens[tokens.length - 1];
    if (previous !== undefined && previous.kind === 'punctuation' && previous.text === '.' && WORD_PART.test(ch)) {
      // A segment of a dotted name, which may start with a digit (`metrics.mmlu.5shot`).
      i = pushWord(tokens, input, i);
      continue;
    }
    const signAllowed = previous === undefined || previous.kind === 'operator' || (previous.kind === 'punctuation' && (previous.text === '(' || previous.text === ','));
    const numberMatch = /[0-9.]/.test(ch) || ((ch === '-' || ch === '+') && signAllowed) ? NUMBER.exec(input.slice(i)) : null;
    const afterName = previous !== undefined && (previous.kind === 'word' || previous.kind === 'quoted-name');
    if (numberMatch !== null && !(ch === '.' && afterName)) {
      const raw = numberMatch[0];
      const after = input[i + raw.length];
      if (after !== undefined && /[A-Za-z0-9_.]/.test(after)) {
        let end = i + raw.length;
        while (end < input.length && /[A-Za-z0-9_.]/.test(input[end] as string)) end += 1;
        const bad = input.slice(i, end);
        throw filterParseError(input, column, bad, `malformed number ${JSON.stringify(bad)}`);
      }
      tokens.push({ kind: 'number', text: raw, number: Number(raw), column });
      i += raw.length;
      continue;
    }
    if (WORD_START.test(ch)) {
      i = pushWord(tokens, input, i);
      continue;
    }
    const operator = OPERATORS.find((op) => input.startsWith(op, i));
    if (operator !== undefined) {
      tokens.push({ kind: 'operator', text: operator, column });
      i += operator.length;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',' || ch === '.') {
      tokens.push({ kind: 'punctuation', text: ch, column });
      i += 1;
      continue;
    }
    throw filterParseError(input, column, ch, `unexpected character ${JSON.stringify(ch)}`);
  }
  tokens.push({ kind: 'end', text: '', column: input.length + 1 });
  return tokens;
}

function pushWord(tokens: FilterToken[], input: string, start: number): number {
  let end = start + 1;
  while (end < input.length && WORD_PART.test(input[end] as string)) end += 1;
  tokens.push({ kind: 'word', text: input.slice(start, end), column: start + 1 });
  return end;
}

function readQuoted(input: string, start: number): { text: string; next: number } {
  const quote = input[start] as string;
  let text = '';
  let i = start + 1;
  while (i < input.length) {
    const ch = input[i] as string;
    if (ch === quote) return { text, next: i + 1 };
    if (ch === '\\') {
      const escaped = input[i + 1];
      if (escaped === undefined) break;
      if (escaped === 'u' && /^[0-9a-fA-F]{4}$/.test(input.slice(i + 2, i + 6))) {
        text += String.fromCharCode(parseInt(input.slice(i + 2, i + 6), 16));
        i += 6;
        continue;
      }
      // An unknown escape keeps its backslash (`"a\_b"` is a, backslash, _, b): LIKE has no escape character.
      text += ESCAPES[escaped] ?? `\\${escaped}`;
      i += 2;
      continue;
    }
    text += ch;
    i += 1;
  }
  throw filterParseError(input, start + 1, input.slice(start), `unterminated ${quote === '`' ? 'quoted name' : 'string'}: no closing ${quote}`);
}
