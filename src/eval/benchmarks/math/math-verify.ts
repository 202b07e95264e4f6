/**
 * HF Math-Verify 0.8's `verify(parse(gold), parse(output))` (as lm-eval's minerva_math reports it
 * under `math_verify`): the extraction of {@link mathVerifyParse}, then a comparison of each gold
 * item with each predicted item: equal strings; numbers exactly, or rounded to 6 decimals when one
 * is a decimal; expressions by value (see {@link expressionsEqual}); intervals by ends and
 * openness; tuples in order and sets in sorted order; relations side by side; an equation's right
 * side where only one of the two is an equation.
 */
import { invalidInput } from '../../../core/errors.js';
import type { MathNode } from './latex-parse.js';
import { mathVerifyParse, type MathVerifyItem } from './math-verify-extract.js';
import { NotComparable, evaluate, expressionsEqual, ratToNumber } from './math-value.js';

/**
 * Options of {@link mathVerify}.
 *
 * @example
 * ```ts
 * import type { MathVerifyOptions } from 'exptrack/eval';
 * const o: MathVerifyOptions = { timeLimitMs: 50 };
 * ```
 */
export interface MathVerifyOptions {
  /** Give up (not equal) after this long per comparison, as Math-Verify's 5 s timeout does. @defaultValue 100 */
  timeLimitMs?: number;
  /**
   * Give up reading a text (nothing extracted) after this long, as Math-Verify's 5 s parse timeout
   * does; checked between its regular expressions, so one pathological expression can overrun it.
   * @defaultValue 1000
   */
  parseTimeLimitMs?: number;
}

function isRelation(n: MathNode): n is Extract<MathNode, { kind: 'rel' }> {
  return n.kind === 'rel';
}

function isSetLike(n: MathNode): boolean {
  return n.kind === 'set' || n.kind === 'tuple' || n.kind === 'interval' || n.kind === 'union';
}

/** A literal number (what sympy keeps as an atomic Number), or a percentage of one. */
function atomicNumber(n: MathNode): { value: number; float: boolean } | null {
  const inner = n.kind === 'pct' ? n.arg : n;
  const v = literal(inner);
  if (v === null) return null;
  return n.kind === 'pct' ? { value: v.value / 100, float: v.float } : v;
}

function literal(n: MathNode): { value: number; float: boolean } | null {
  if (n.kind === 'num') return { value: Number(n.text), float: n.float };
  if (n.kind === 'neg') {
    const v = literal(n.arg);
    return v && { value: -v.value, float: v.float };
  }
  if (n.kind === 'div' && !n.num.kind.startsWith('f')) {
    const p = literal(n.num);
    const q = literal(n.den);
    if (p && q && !p.float && !q.float && q.value !== 0) return { value: p.value / q.value, float: false };
  }
  return null;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function key(n: MathNode): string {
  return JSON.stringify(n);
}

function numericValue(n: MathNode): number {
  try {
    const v = evaluate(n, new Map());
    return v.tag === 'exact' ? ratToNumber(v.r) : v.x;
  } catch (e) {
    if (e instanceof NotComparable) return NaN;
    throw e;
  }
}

function endpointsEqual(a: MathNode, b: MathNode, deadline: number): boolean {
  const inf = (n: MathNode) => (n.kind === 'const' && n.name === 'inf' ? 1 : n.kind === 'neg' && n.arg.kind === 'const' && n.arg.name === 'inf' ? -1 : 0);
  if (inf(a) !== 0 || inf(b) !== 0) return inf(a) === inf(b);
  return scalarEqual(a, b, deadline);
}

function scalarEqual(gold: MathNode, pred: MathNode, deadline: number): boolean {
  if (key(gold) === key(pred)) return true;
  if (gold.kind === 'sym' && pred.kind === 'sym') return (gold.name.length > 1 ? gold.name.toLowerCase() : gold.name) === (pred.name.length > 1 ? pred.name.toLowerCase() : pred.name);
  const ga = atomicNumber(gold);
  const pa = atomicNumber(pred);
  // A decimal on either side: both rounded to 6 places (Math-Verify's float_rounding).
  if ((ga && ga.float) || (pa && pa.float)) {
    const gv = ga ? ga.value : numericValue(gold);
    const pv = pa ? pa.value : numericValue(pred);
    if (Number.isFinite(gv) && round6(gv) === round6(pv)) return true;
  }
  return expressionsEqual(gold, pred, deadline);
}

function items(n: MathNode): MathNode[] {
  return n.kind === 'set' || n.kind === 'tuple' ? n.items : [];
}

/** Sorting sets as Math-Verify does: by value, an assignment (`x = 1`) by its right side. */
function sortedByValue(list: MathNode[]): MathNode[] {
  return list.map((n) => ({ n, v: numericValue(isAssignment(n) && isRelation(n) ? n.sides[n.sides.length - 1]! : n) })).sort((a, b) => (a.v === b.v || (Number.isNaN(a.v) && Number.isNaN(b.v)) ? 0 : Number.isNaN(a.v) ? 1 : Number.isNaN(b.v) ? -1 : a.v - b.v)).map((x) => x.n);
}

function setsEqual(gold: MathNode, pred: MathNode, deadline: number): boolean {
  const a: MathNode = isSetLike(gold) ? gold : { kind: 'set', items: [gold] };
  const b: MathNode = isSetLike(pred) ? pred : { kind: 'set', items: [pred] };
  if (a.kind === 'interval' && b.kind === 'interval') {
    return a.loOpen === b.loOpen && a.hiOpen === b.hiOpen && endpointsEqual(a.lo, b.lo, deadline) && endpointsEqual(a.hi, b.hi, deadline);
  }
  if (a.kind === 'union' && b.kind === 'union') {
    if (a.parts.length !== b.parts.length) return false;
    const lo = (n: MathNode) => (n.kind === 'interval' ? numericLow(n.lo) : numericValue(n));
    const sa = [...a.parts].sort((x, y) => lo(x) - lo(y));
    const sb = [...b.parts].sort((x, y) => lo(x) - lo(y));
    return sa.every((p, i) => setsEqual(p, sb[i]!, deadline));
  }
  if ((a.kind === 'set' || a.kind === 'tuple') && (b.kind === 'set' || b.kind === 'tuple')) {
    const ga = items(a);
    const pa = items(b);
    if (ga.length !== pa.length) return false;
    const gs = a.kind === 'set' ? sortedByValue(ga) : ga;
    const ps = b.kind === 'set' && a.kind === 'set' ? sortedByValue(pa) : pa;
    return gs.every((g, i) => nodesEqual(g, ps[i]!, deadline));
  }
  if (a.kind === 'interval' && (b.kind === 'set' || b.kind === 'tuple') && a.loOpen && a.hiOpen && items(b).length === 2) {
    return nodesEqual(a.lo, items(b)[0]!, deadline) && nodesEqual(a.hi, items(b)[1]!, deadline);
  }
  if (b.kind === 'interval' && (a.kind === 'set' || a.kind === 'tuple') && b.loOpen && b.hiOpen && items(a).length === 2) {
    return nodesEqual(items(a)[0]!, b.lo, deadline) && nodesEqual(items(a)[1]!, b.hi, deadline);
  }
  return false;
}

function numericLow(n: MathNode): number {
  if (n.kind === 'neg' && n.arg.kind === 'const' && n.arg.name === 'inf') return -Infinity;
  if (n.kind === 'const' && n.name === 'inf') return Infinity;
  return numericValue(n);
}

function relationsEqual(gold: Extract<MathNode, { kind: 'rel' }>, pred: Extract<MathNode, { kind: 'rel' }>, deadline: number): boolean {
  if (gold.ops.length !== pred.ops.length) return false;
  const flip: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '=': '=' };
  const diff = (r: typeof gold, i: number, swap: boolean): MathNode => {
    const [l, rr] = swap ? [r.sides[i + 1]!, r.sides[i]!] : [r.sides[i]!, r.sides[i + 1]!];
    return { kind: 'add', terms: [l, { kind: 'neg', arg: rr }] };
  };
  return gold.ops.every((op, i) => {
    const pop = pred.ops[i]!;
    if (op === pop && expressionsEqual(diff(gold, i, false), diff(pred, i, false), deadline)) return true;
    if (flip[op] === pop && expressionsEqual(diff(gold, i, false), diff(pred, i, true), deadline)) return true;
    return false;
  });
}

function isAssignment(n: MathNode): boolean {
  return isRelation(n) && n.ops.every((o) => o === '=') && n.sides[0]!.kind === 'sym';
}

function nodesEqual(goldIn: MathNode, predIn: MathNode, deadline: number): boolean {
  let gold = goldIn;
  let pred = predIn;
  const goldAssign = isAssignment(gold);
  const predAssign = isAssignment(pred);
  const goldEq = isRelation(gold) && gold.ops.every((o) => o === '=');
  const predEq = isRelation(pred) && pred.ops.every((o) => o === '=');
  if (goldAssign && isRelation(gold)) gold = { kind: 'rel', ops: ['='], sides: [gold.sides[0]!, gold.sides[gold.sides.length - 1]!] };
  if (predAssign && isRelation(pred)) pred = { kind: 'rel', ops: ['='], sides: [pred.sides[0]!, pred.sides[pred.sides.length - 1]!] };
  if (predEq && !goldEq && isRelation(pred)) pred = pred.sides[pred.sides.length - 1]!;
  else if (goldAssign && !predEq && isRelation(gold)) gold = gold.sides[gold.sides.length - 1]!;
  if (key(gold) === key(pred)) return true;
  if (isRelation(gold) && isRelation(pred)) return relationsEqual(gold, pred, deadline);
  if (isRelation(gold) || isRelation(pred)) return false;
  if (isSetLike(gold) || isSetLike(pred)) return setsEqual(gold, pred, deadline);
  return scalarEqual(gold, pred, deadline);
}

function itemsEqual(gold: MathVerifyItem, pred: MathVerifyItem, limitMs: number): boolean {
  if ('str' in gold || 'str' in pred) {
    if (!('str' in gold) || !('str' in pred)) return false;
    const g = gold.str.trim();
    const p = pred.str.trim();
    return g.length > 0 && p.length > 0 && g === p;
  }
  return nodesEqual(gold.node, pred.node, performance.now() + limitMs);
}

/**
 * Math-Verify's verdict on a model output against a gold solution (or a gold answer): each is
 * parsed with Math-Verify's extraction, and any gold item equal to any predicted item is a match.
 *
 * @param gold - the gold solution or answer text (for MATH, the whole solution)
 * @param output - the model output
 * @param options - the time limits per comparison and per parse
 * @returns the verdict
 * @throws ExptrackError `invalid_input` for a time limit that is not a positive number
 * @example
 * ```ts
 * import { mathVerify } from 'exptrack/eval';
 * mathVerify('So it is $\\boxed{\\frac{1}{2}}$.', 'The answer is 0.5'); // true
 * mathVerify('We get $\\boxed{[2,5)}$.', 'Thus $\\boxed{(2,5)}$.');     // false (openness differs)
 * ```
 */
export function mathVerify(gold: string, output: string, options: MathVerifyOptions = {}): boolean {
  const limit = options.timeLimitMs ?? 100;
  const parseLimit = options.parseTimeLimitMs ?? 1000;
  if (!(limit > 0)) throw invalidInput('timeLimitMs', options.timeLimitMs, 'must be a positive number');
  if (!(parseLimit > 0)) throw invalidInput('parseTimeLimitMs', options.parseTimeLimitMs, 'must be a positive number');
  const golds = mathVerifyParse(gold, performance.now() + parseLimit);
  const preds = mathVerifyParse(output, performance.now() + parseLimit);
  return golds.some((g) => preds.some((p) => itemsEqual(g, p, limit)));
}
