/**
 * The answer extraction of HF Math-Verify 0.8's `parse` with its default configuration (LaTeX and
 * plain-expression targets, `first_match` fallback): the same regular expressions and priorities
 * (final-answer sentence 0, boxed 50, `answer:` 100, `answer` 200, anywhere 300), tried from the
 * rightmost match; the first that parses wins, and the first matched string is kept as a fallback.
 */
import { normalizeMathVerifyLatex } from './math-verify-normalize.js';
import { MathParseError, parseMathAnswer, type MathNode } from './latex-parse.js';

/** One item of what Math-Verify's `parse` returns: a parsed expression or the fallback string. */
export type MathVerifyItem = { node: MathNode; text: string } | { str: string };

/** `(?i:word)` of Python, which Node 20's RegExp lacks. */
function ci(word: string): string {
  return [...word].map((c) => (/[a-z]/i.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c === ' ' ? ' ' : c)).join('');
}

function latexEnvPattern(prefix: string, context: 'boxed' | 'plain'): string {
  const percent = `(?<${prefix}percent>(?:\\\\?%|[Pp]ercent|[Pp]ercentage|[Pp]ct))`;
  let displayDollar = '(?:[^$]|\\$(?!\\$))';
  let displayBracket = '(?:[^\\\\]|\\\\(?!\\]))';
  let inlineDollar = '(?:\\\\[$]|[^\\n$])';
  let inlineParen = '(?:[^\\\\\\n]|\\\\(?!\\)))';
  let inlineBracket = '[^\\n\\]\\[]';
  if (context === 'boxed') {
    const boxed = (c: string) => `${c}*?\\\\boxed{${c}+?}${c}*?`;
    displayDollar = boxed(displayDollar);
    displayBracket = boxed(displayBracket);
    inlineDollar = boxed(inlineDollar);
    inlineParen = boxed(inlineParen);
    inlineBracket = boxed(inlineBracket);
  } else {
    displayDollar += '+?';
    displayBracket += '+?';
    inlineDollar += '+?';
    inlineParen += '+?';
    inlineBracket += '+?';
  }
  const patterns = [
    `(?<!\\\\)\\$\\$(?<${prefix}latexDisplayDollar>${displayDollar})(?<!\\\\)\\$\\$`,
    `(?<!\\\\)\\\\\\[(?<${prefix}latexDisplayBracket>${displayBracket})(?<!\\\\)\\\\\\]`,
    `(?<!\\\\|\\d)\\$(?<${prefix}latexInlineDollar>${inlineDollar})(?<!\\\\)\\$`,
    `(?<!\\\\)\\\\\\((?<${prefix}latexInlineParenthesis>${inlineParen})(?<!\\\\)\\\\\\)`,
    `\\s\\[(?<${prefix}latexInlineBracket>${inlineBracket})\\]\\s`,
  ];
  if (context === 'plain') {
    const simple = '-?\\d+(?:[.,]\\d+)?';
    patterns.push(`(?<${prefix}latexFraction>-?\\\\frac{${simple}}{${simple}})`);
  }
  return `(?:(?:${patterns.join('|')})\\s*${percent}?)`;
}

interface Target {
  kind: 'latex' | 'expr';
  re: RegExp;
  priority: number;
  /** A word the pattern cannot match without (a fast skip; the lower-cased text is searched). */
  needs: string | null;
}

function needsOf(re: string): string | null {
  if (re.startsWith(ci('final answer'))) return 'final answer';
  if (re.startsWith(ci('answer'))) return 'answer';
  if (re.includes('boxed')) return '\\boxed';
  return null;
}

function latexTargets(): Target[] {
  const first = latexEnvPattern('first_', 'plain');
  let next = '';
  for (let i = 1; i <= 5; i++) next += `(?:\\s*(?:,?and|,?or|,)\\s*${latexEnvPattern(`next${i}_`, 'plain')})?`;
  const envs = `(?:${first}${next})`;
  const answer = ci('answer');
  const out: Array<[string, number]> = [
    [`${ci('final answer is')}\\:?\\s*${envs}\\.?\\s?I hope`, 0],
    [`${ci('final answer')}.{0,100}?\\s+is\\:?\\s*${envs}`, 50],
    [`${answer}:.{0,50}?${envs}`, 100],
    [`${answer}.{0,50}?${envs}`, 200],
    [envs, 300],
  ];
  let boxed = latexEnvPattern('first_', 'boxed');
  for (let i = 1; i <= 5; i++) boxed += `\\s*(?:\\s*(?:,?and|,?or|,)\\s*${latexEnvPattern(`next${i}_`, 'boxed')})?`;
  out.push([boxed, 50]);
  out.push(['(?<first_latexBoxed>\\\\boxed{.+})', 50]);
  return out.map(([re, priority]) => ({ kind: 'latex', re: new RegExp(re, 'gs'), priority, needs: needsOf(re) }));
}

function exprTargets(): Target[] {
  const number =
    '(?<!\\d)(?:' +
    '(?<integer1>-?[1-9]\\d{0,2}(?:[ ,]\\d{3})+)(?<decimal1>\\.\\d+)?|' +
    '(?<integer2>-?\\d+)(?<decimal2>[.,]\\d+)|' +
    '(?<decimal3>\\.\\d+)|' +
    '(?<integer3>-?\\d+)' +
    ')(?<percent>\\s*(?:%|[Pp]ercent|\\s*[Pp]ercentage|\\s*[Pp]ct))?';
  const ops = '\\+\\-\\*\\×\\/\\^\\(\\)\\÷';
  const chars = `[\\d\\.\\s${ops}]`;
  const expr = `(?<expr>-?\\(?-?\\d${chars}*[${ops}]${chars}+\\)?)`;
  const currency = '[$€£¥₹₽₪₩₫฿₡₢₣₤₥₦₧₨₭₮₯₰₱₲₳₴₵₶₷₸₺₻₼₾₿]';
  const prefix = '(?:^|\\s|\\=)(?:\\*\\*)?';
  const suffix = '(?:\\*\\*)?(?:\\.|,|:|\\s|\\)|\\$|$)';
  const exprAnchored = `(?:${prefix}${expr}${suffix})`;
  const numberAnchored = `(?:${prefix}${currency}?${number})`;
  const either = `(?:${exprAnchored}|${numberAnchored})`;
  const answer = ci('answer');
  const out: Array<[string, number]> = [
    [`${ci('final answer is')}\\:?\\s*${either}\\.?\\s?I hope`, 0],
    [`${ci('final answer')}.{0,100}?\\s+is\\:?${either}`, 50],
    [`${answer}:(?:.{0,100}=\\s*|.{0,50}?)${either}(?!\\s*=)`, 100],
    [`${answer}(?:.{0,100}=\\s*|.{0,50}?)${either}(?!\\s*=)`, 200],
    [exprAnchored, 300],
    [numberAnchored, 300],
  ];
  return out.map(([re, priority]) => ({ kind: 'expr', re: new RegExp(re, 'g'), priority, needs: needsOf(re) }));
}

let cachedTargets: Target[] | undefined;
export function targets(): Target[] {
  cachedTargets ??= [...latexTargets(), ...exprTargets()].sort((a, b) => a.priority - b.priority);
  return cachedTargets;
}

const EQ_SPLIT = /(?<!\\|<|!|>)=/;

function parseNormalized(latex: string): MathNode {
  try {
    return parseMathAnswer(latex, 'set');
  } catch (e) {
    if (!(e instanceof MathParseError)) throw e;
    if (!latex.includes(',') && !latex.includes(';')) {
      const parts = latex.split(EQ_SPLIT);
      if (parts.length > 2) return parseMathAnswer(parts[parts.length - 1]!, 'set');
    }
    throw e;
  }
}

function extractLatex(m: RegExpExecArray): [MathNode | null, string] {
  const groups = m.groups ?? {};
  const found: Array<[string, string]> = [];
  const firstName = Object.keys(groups).find((k) => k.startsWith('first_latex') && groups[k]);
  if (firstName) found.push([firstName, groups[firstName]!]);
  for (let i = 1; i <= 5; i++) {
    const name = Object.keys(groups).find((k) => k.startsWith(`next${i}_latex`) && groups[k]);
    if (name) found.push([name, groups[name]!]);
  }
  const nodes: Array<MathNode | null> = [];
  const strs: string[] = [];
  for (const [name, latex] of found) {
    const prefix = name.split('_')[0]!;
    const normalized = normalizeMathVerifyLatex(latex, name.endsWith('latexBoxed') ? 'last' : 'all');
    strs.push(normalized);
    let node: MathNode | null;
    try {
      node = parseNormalized(normalized);
      if (groups[`${prefix}_percent`]) node = { kind: 'pct', arg: node };
    } catch (e) {
      if (!(e instanceof MathParseError)) throw e;
      node = null;
    }
    nodes.push(node);
  }
  if (nodes.length === 0) return [null, ''];
  if (nodes.length > 1 && nodes.every((n) => n !== null)) {
    const items = nodes.flatMap((n) => (n!.kind === 'set' ? n!.items : [n!]));
    return [{ kind: 'set', items }, strs.join(' and ')];
  }
  return [nodes[0]!, strs[0]!];
}

function extractExpr(m: RegExpExecArray): [MathNode | null, string] {
  const g = m.groups ?? {};
  const expr = g.expr ?? '';
  let integer = ['integer1', 'integer2', 'integer3'].map((k) => g[k]).find((v) => v) ?? '';
  const decimal = ['decimal1', 'decimal2', 'decimal3'].map((k) => g[k]).find((v) => v) ?? '';
  if (integer || decimal) {
    integer = integer.replace(/[, ]/g, '').replace(/^0+/, '');
    if (integer === '') integer = '0';
    const text = integer + decimal.replace(',', '.');
    const negative = text.startsWith('-');
    const digits = negative ? text.slice(1) : text;
    let node: MathNode = { kind: 'num', text: digits.startsWith('.') ? '0' + digits : digits, float: digits.includes('.') };
    if (negative) node = { kind: 'neg', arg: node };
    if (g.percent) node = { kind: 'pct', arg: node };
    return [node, text];
  }
  if (expr) {
    try {
      return [parseMathAnswer(expr.replaceAll('\n', ' ').replaceAll('×', '*').replaceAll('÷', '/'), 'set'), expr];
    } catch (e) {
      if (!(e instanceof MathParseError)) throw e;
    }
  }
  return [null, expr];
}

/**
 * Math-Verify's `parse(text)` with its defaults.
 *
 * @param text - a solution or a model output
 * @param deadline - a `performance.now()` time; past it, checked between regular expressions and
 * extractions, the parse gives up and returns nothing, as Math-Verify's parse timeout does
 * @returns the parsed answer (at most one) followed by the first matched string
 */
export function mathVerifyParse(text: string, deadline = Infinity): MathVerifyItem[] {
  const all = targets();
  const lower = text.toLowerCase();
  const fallbacks: string[] = [];
  const extracted: MathVerifyItem[] = [];
  let i = 0;
  while (i < all.length && extracted.length === 0) {
    const priority = all[i]!.priority;
    const group: Target[] = [];
    while (i < all.length && all[i]!.priority === priority) group.push(all[i++]!);
    const matches: Array<{ m: RegExpExecArray; kind: 'latex' | 'expr' }> = [];
    for (const t of group) {
      if (t.needs !== null && !lower.includes(t.needs)) continue;
      if (performance.now() > deadline) return [];
      t.re.lastIndex = 0;
      for (const m of text.matchAll(t.re)) matches.push({ m: m as RegExpExecArray, kind: t.kind });
    }
    // Rightmost end first, then leftmost start (a stable sort, as Python's sorted(reverse=True)).
    const ordered = matches
      .map((x, k) => ({ ...x, k }))
      .sort((a, b) => {
        const ea = a.m.index + a.m[0].length;
        const eb = b.m.index + b.m[0].length;
        if (ea !== eb) return eb - ea;
        if (a.m.index !== b.m.index) return a.m.index - b.m.index;
        return a.k - b.k;
      });
    for (const { m, kind } of ordered) {
      if (performance.now() > deadline) return [];
      const [node, str] = kind === 'latex' ? extractLatex(m) : extractExpr(m);
      if (str) fallbacks.push(str);
      if (node !== null) {
        extracted.push({ node, text: str });
        break;
      }
    }
  }
  if (fallbacks.length > 0) extracted.push({ str: fallbacks[0]! });
  return extracted;
}
