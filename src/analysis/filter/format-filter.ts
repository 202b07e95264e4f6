import { invalidInput } from '../../core/errors.js';
import type { FilterExpression, FilterField, FilterLiteral } from '../../core/filter.js';

const PLAIN_SEGMENT = /^[A-Za-z_][A-Za-z0-9_\-/:@]*$/;
const ATTRIBUTE_NAMES = new Set(['id', 'name', 'status', 'group', 'created', 'commit', 'notes']);

/**
 * Writes a filter's syntax tree back as text that {@link parseFilter} reads into the same tree:
 * for messages, logs and the CLI. Parentheses are added wherever the tree needs them; names that
 * are not plain identifiers go in backticks.
 *
 * @param expression - The filter's syntax tree.
 * @returns The filter as text.
 * @throws ExptrackError with code `invalid_input` when a literal is NaN or infinite (the text
 * language has no spelling for them).
 *
 * @example
 * ```ts
 * import { formatFilter, parseFilter } from 'exptrack/analysis';
 * formatFilter(parseFilter('tags.stage="sft" AND (params.lr<1e-4 OR status = "failed")'));
 * // 'tags.stage = "sft" and (params.lr < 0.0001 or status = "failed")'
 * ```
 */
export function formatFilter(expression: FilterExpression): string {
  return format(expression, 0);
}

/** 0: anywhere; 1: operand of `or`; 2: operand of `and`; 3: operand of `not`. */
function format(expression: FilterExpression, context: number): string {
  switch (expression.kind) {
    case 'or':
      return wrap(`${format(expression.left, 1)} or ${format(expression.right, 2)}`, context > 1);
    case 'and':
      return wrap(`${format(expression.left, 2)} and ${format(expression.right, 3)}`, context > 2);
    case 'not':
      return `not ${format(expression.operand, 3)}`;
    case 'exists':
      return `${formatField(expression.field)}${expression.negated ? ' not' : ''} exists`;
    case 'in':
      return `${formatField(expression.field)}${expression.negated ? ' not' : ''} in (${expression.values.map(formatLiteral).join(', ')})`;
    case 'compare':
      return `${formatField(expression.field)} ${expression.op} ${formatLiteral(expression.value)}`;
  }
}

function wrap(text: string, parenthesise: boolean): string {
  return parenthesise ? `(${text})` : text;
}

function segment(name: string): string {
  return PLAIN_SEGMENT.test(name) && !['and', 'or', 'not', 'in', 'like', 'exists', 'true', 'false', 'null'].includes(name.toLowerCase())
    ? name
    : `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

function formatField(field: FilterField): string {
  switch (field.scope) {
    case 'params':
      return `params.${(field.keys ?? field.path.split('.')).map(segment).join('.')}`;
    case 'tags':
      return `tags.${segment(field.key)}`;
    case 'metrics':
      return field.benchmark === null ? `metrics.${segment(field.metric)}` : `metrics.${segment(field.benchmark)}.${segment(field.metric)}`;
    case 'summary':
      return `summary.${segment(field.key)}`;
    case 'attribute':
      return ATTRIBUTE_NAMES.has(field.name) ? field.name : segment(field.name);
  }
}

function formatLiteral(value: FilterLiteral): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalidInput('filter', value, 'literal must be a finite number to be written as text');
    return String(value);
  }
  return JSON.stringify(value);
}
