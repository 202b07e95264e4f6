/**
 * A small parser for the LaTeX of MATH answers: numbers, letters, `\pi`, `\infty`, `+ - \cdot
 * \times \div /`, implicit products, powers, `!`, `\frac` (`\dfrac`, `\tfrac`), `\sqrt[n]{}`,
 * parentheses, and, in the `set` grammar, tuples, sets, intervals, `\cup`, relations and percentages.
 * Two grammars: `sympy` accepts what sympy's `parse_latex` (lm-eval's minerva_math) accepts on these
 * answers and fails where it fails (commas other than thousands groups, `\%`, brackets, unknown
 * commands, leading zeros); `set` is the wider grammar Math-Verify's latex2sympy reads.
 */

/** A parsed answer. */
export type MathNode =
  | { kind: 'num'; text: string; float: boolean }
  | { kind: 'sym'; name: string }
  | { kind: 'const'; name: 'pi' | 'inf' | 'e' }
  | { kind: 'add'; terms: MathNode[] }
  | { kind: 'mul'; factors: MathNode[] }
  | { kind: 'div'; num: MathNode; den: MathNode }
  | { kind: 'neg'; arg: MathNode }
  | { kind: 'pow'; base: MathNode; exp: MathNode }
  | { kind: 'root'; arg: MathNode; index: MathNode | null }
  | { kind: 'fact'; arg: MathNode }
  | { kind: 'binom'; n: MathNode; k: MathNode }
  | { kind: 'log'; arg: MathNode; base: MathNode | null }
  | { kind: 'apply'; name: string; arg: MathNode }
  | { kind: 'pct'; arg: MathNode }
  | { kind: 'tuple'; items: MathNode[] }
  | { kind: 'set'; items: MathNode[] }
  | { kind: 'interval'; lo: MathNode; hi: MathNode; loOpen: boolean; hiOpen: boolean }
  | { kind: 'union'; parts: MathNode[] }
  | { kind: 'rel'; ops: RelOp[]; sides: MathNode[] };

/** A relation between two sides. */
export type RelOp = '=' | '<' | '>' | '<=' | '>=';

/** Which grammar to accept. */
export type MathGrammar = 'sympy' | 'set';

/** Thrown where the grammar rejects the input. */
export class MathParseError extends Error {}

type Tok =
  | { t: 'num'; v: string }
  | { t: 'letter'; v: string }
  | { t: 'cmd'; v: string }
  | { t: 'op'; v: string };

const MAX_INPUT = 2000;

function tokenize(src: string, grammar: MathGrammar): Tok[] {
  if (src.length > MAX_INPUT) throw new MathParseError('input too long');
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c >= '0' && c <= '9') {
      const m = /^\d+(?:,\d{3})*(?:\.\d+)?/.exec(src.slice(i))!;
      let v = m[0];
      // Both read thousands groups (`1,000`); the `set` grammar only after 1 to 3 leading digits.
      if (grammar === 'set' && v.includes(',') && !/^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(v)) v = /^\d+(?:\.\d+)?/.exec(v)![0];
      if (grammar === 'sympy' && /^0\d/.test(v.replaceAll(',', ''))) throw new MathParseError('leading zero');
      if (src[i + v.length] === '.' && grammar === 'sympy') throw new MathParseError('trailing point');
      out.push({ t: 'num', v: v.replaceAll(',', '') });
      i += v.length;
      continue;
    }
    if (c === '.' && grammar === 'set' && /\d/.test(src[i + 1] ?? '')) {
      const m = /^\.\d+/.exec(src.slice(i))!;
      out.push({ t: 'num', v: '0' + m[0] });
      i += m[0].length;
      continue;
    }
    if (c === '\u2212' && grammar === 'set') {
      out.push({ t: 'op', v: '-' });
      i++;
      continue;
    }
    if (/[a-zA-Z]/.test(c)) {
      out.push({ t: 'letter', v: c });
      i++;
      continue;
    }
    if (c === '\\') {
      const m = /^\\([a-zA-Z]+|.)/.exec(src.slice(i));
      if (!m) throw new MathParseError('lone backslash');
      out.push({ t: 'cmd', v: m[1]! });
      i += m[0].length;
      continue;
    }
    if ('+-*/^_!(){}[]<>=,|%'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    throw new MathParseError(`unexpected character ${c}`);
  }
  return out;
}

const IGNORED_CMDS = new Set(['left', 'right', ',', ';', '!', ' ', 'displaystyle']);
const REL_CMDS: Record<string, RelOp> = { le: '<=', leq: '<=', ge: '>=', geq: '>=', lt: '<', gt: '>' };

class Parser {
  private pos = 0;
  constructor(
    private readonly toks: Tok[],
    private readonly grammar: MathGrammar,
  ) {}

  parseTop(): MathNode {
    if (this.toks.length === 0) throw new MathParseError('empty');
    const node = this.grammar === 'set' ? this.parseList() : this.parseRelation();
    if (this.pos < this.toks.length) throw new MathParseError(`unexpected ${this.toks[this.pos]!.v}`);
    return node;
  }

  private peek(offset = 0): Tok | undefined {
    return this.toks[this.pos + offset];
  }

  private isOp(v: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t !== undefined && t.t === 'op' && t.v === v;
  }

  private isCmd(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'cmd' && t.v === v;
  }

  private expectOp(v: string): void {
    if (!this.isOp(v)) throw new MathParseError(`expected ${v}`);
    this.pos++;
  }

  /** One or more items separated by `sep` (an operator or a command). */
  private separated(sep: string, item: () => MathNode): MathNode[] {
    const items = [item()];
    while (this.isOp(sep) || this.isCmd(sep)) {
      this.pos++;
      items.push(item());
    }
    return items;
  }

  /** `a, b, c` at the top level: a set in the `set` grammar. */
  private parseList(): MathNode {
    const items = this.separated(',', () => this.parseUnion());
    return items.length === 1 ? items[0]! : { kind: 'set', items };
  }

  private parseUnion(): MathNode {
    const parts = this.separated('cup', () => this.parseRelation());
    return parts.length === 1 ? parts[0]! : { kind: 'union', parts };
  }

  private relOp(): RelOp | null {
    const t = this.peek();
    if (!t) return null;
    if (t.t === 'op' && (t.v === '=' || t.v === '<' || t.v === '>')) {
      if (this.isOp('=', 1) && t.v !== '=') {
        this.pos++;
        return t.v === '<' ? '<=' : '>=';
      }
      return t.v as RelOp;
    }
    if (t.t === 'cmd' && REL_CMDS[t.v]) return REL_CMDS[t.v]!;
    return null;
  }

  private parseRelation(): MathNode {
    const first = this.parseAdditive();
    let op = this.relOp();
    if (op === null) return first;
    const sides = [first];
    const ops: RelOp[] = [];
    while (op !== null) {
      this.pos++;
      ops.push(op);
      sides.push(this.parseAdditive());
      op = this.relOp();
    }
    return { kind: 'rel', ops, sides };
  }

  private parseAdditive(): MathNode {
    const terms: MathNode[] = [this.parseMultiplicative()];
    for (;;) {
      if (this.isOp('+')) {
        this.pos++;
        terms.push(this.parseMultiplicative());
      } else if (this.isOp('-')) {
        this.pos++;
        terms.push({ kind: 'neg', arg: this.parseMultiplicative() });
      } else break;
    }
    return terms.length === 1 ? terms[0]! : { kind: 'add', terms };
  }

  private parseMultiplicative(): MathNode {
    let node = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (!t) break;
      if ((t.t === 'op' && t.v === '*') || (t.t === 'cmd' && (t.v === 'cdot' || t.v === 'times'))) {
        this.pos++;
        node = mul(node, this.parseUnary());
      } else if ((t.t === 'op' && t.v === '/') || (t.t === 'cmd' && t.v === 'div')) {
        this.pos++;
        node = { kind: 'div', num: node, den: this.parseUnary() };
      } else if (this.startsAtom()) {
        node = mul(node, this.parsePostfix());
      } else break;
    }
    return node;
  }

  private parseUnary(): MathNode {
    if (this.isOp('-')) {
      this.pos++;
      return { kind: 'neg', arg: this.parseUnary() };
    }
    if (this.isOp('+')) {
      this.pos++;
      return this.parseUnary();
    }
    return this.parsePostfix();
  }

  private startsAtom(): boolean {
    const t = this.peek();
    if (!t) return false;
    if (t.t === 'num' || t.t === 'letter') return true;
    if (t.t === 'op') return t.v === '(' || t.v === '{' || (t.v === '[' && this.grammar === 'sympy');
    return ['frac', 'dfrac', 'tfrac', 'sqrt', 'pi', 'infty', 'binom', 'dbinom', 'tbinom', 'ln', 'log'].includes(t.v) || (t.v === '{' && this.grammar === 'set');
  }

  private parsePostfix(): MathNode {
    let node = this.parseAtom();
    for (;;) {
      if (this.isOp('!')) {
        this.pos++;
        node = { kind: 'fact', arg: node };
      } else if (this.isOp('^')) {
        this.pos++;
        node = { kind: 'pow', base: node, exp: this.parseExponent() };
      } else if ((this.isOp('%') || this.isCmd('%')) && this.grammar === 'set') {
        // latex2sympy reads a percent sign only after a number.
        if (node.kind !== 'num') throw new MathParseError('percent of an expression');
        this.pos++;
        node = { kind: 'pct', arg: node };
      } else break;
    }
    return node;
  }

  /** An exponent: a group, or one number, letter or command atom. */
  private parseExponent(): MathNode {
    if (this.isOp('{')) return this.parseGroup('{', '}');
    if (this.isOp('-')) {
      this.pos++;
      return { kind: 'neg', arg: this.parseExponent() };
    }
    return this.parseAtom();
  }

  private parseGroup(open: string, close: string): MathNode {
    this.expectOp(open);
    const inner = this.grammar === 'set' ? this.parseList() : this.parseRelation();
    this.expectOp(close);
    return inner;
  }

  private parseAtom(): MathNode {
    const t = this.peek();
    if (!t) throw new MathParseError('unexpected end');
    if (t.t === 'num') {
      this.pos++;
      const whole: MathNode = { kind: 'num', text: t.v, float: t.v.includes('.') };
      // latex2sympy reads `3\frac{1}{2}` as a mixed number, 7/2.
      if (this.grammar === 'set' && !whole.float && this.isCmd('frac') && this.isMixedFraction()) {
        return { kind: 'add', terms: [whole, this.parseAtom()] };
      }
      return whole;
    }
    if (t.t === 'letter') {
      this.pos++;
      // latex2sympy (Math-Verify) reads e as Euler's number; sympy's parse_latex as a letter.
      if (t.v === 'e' && this.grammar === 'set' && !this.isOp('_')) return { kind: 'const', name: 'e' };
      let name = t.v;
      if (this.isOp('_')) {
        this.pos++;
        const sub = this.peek();
        if (sub && (sub.t === 'num' || sub.t === 'letter')) {
          this.pos++;
          name += '_' + sub.v;
        } else if (this.isOp('{')) {
          let depth = 0;
          let text = '';
          do {
            const s = this.toks[this.pos++];
            if (!s) throw new MathParseError('open subscript');
            if (s.t === 'op' && s.v === '{') depth++;
            if (s.t === 'op' && s.v === '}') depth--;
            text += s.v;
          } while (depth > 0);
          name += '_' + text;
        } else throw new MathParseError('bad subscript');
      }
      // sympy's parse_latex reads `f(x)` (any letter before a parenthesis) as a function call.
      if (this.grammar === 'sympy' && this.isOp('(')) return { kind: 'apply', name, arg: this.parseBracketed() };
      return { kind: 'sym', name };
    }
    if (t.t === 'op') {
      if (t.v === '{') return this.parseGroup('{', '}');
      if (t.v === '(' || t.v === '[') return this.parseBracketed();
      throw new MathParseError(`unexpected ${t.v}`);
    }
    return this.parseCommand(t.v);
  }

  /** `\frac{a}{b}` with integer a and b follows. */
  private isMixedFraction(): boolean {
    const k = (o: number) => this.peek(o);
    const isInt = (o: number) => k(o)?.t === 'num' && !k(o)!.v.includes('.');
    return this.isOp('{', 1) && isInt(2) && this.isOp('}', 3) && this.isOp('{', 4) && isInt(5) && this.isOp('}', 6);
  }

  /** `( ... )` or `[ ... ]`: a group, or in the `set` grammar a tuple or an interval. */
  private parseBracketed(): MathNode {
    const open = this.peek()!.v;
    this.pos++;
    if (this.grammar === 'sympy') {
      const inner = this.parseRelation();
      this.expectOp(open === '(' ? ')' : ']');
      return inner;
    }
    const items = this.separated(',', () => this.parseUnion());
    const close = this.peek();
    if (!close || close.t !== 'op' || (close.v !== ')' && close.v !== ']')) throw new MathParseError('unclosed bracket');
    this.pos++;
    if (items.length === 1) {
      if (open !== '(' || close.v !== ')') throw new MathParseError('bracket group');
      return items[0]!;
    }
    if (items.length === 2 && (open === '[' || close.v === ']' || isOrderedPair(items[0]!, items[1]!))) {
      // An infinite end is always open (sympy's Interval).
      const lo = items[0]!;
      const hi = items[1]!;
      return { kind: 'interval', lo, hi, loOpen: open === '(' || isInfinity(lo), hiOpen: close.v === ')' || isInfinity(hi) };
    }
    if (open !== '(' || close.v !== ')') throw new MathParseError('bad interval');
    return { kind: 'tuple', items };
  }

  private parseCommand(name: string): MathNode {
    this.pos++;
    if (IGNORED_CMDS.has(name)) {
      if (this.grammar === 'sympy' && name !== 'left' && name !== 'right') throw new MathParseError(`\\${name}`);
      return this.parseAtom();
    }
    switch (name) {
      case 'pi':
        return { kind: 'const', name: 'pi' };
      case 'infty':
        return { kind: 'const', name: 'inf' };
      case 'frac':
      case 'dfrac':
      case 'tfrac': {
        const num = this.fracArg();
        const den = this.fracArg();
        return { kind: 'div', num, den };
      }
      case 'sqrt': {
        let index: MathNode | null = null;
        if (this.isOp('[')) index = this.parseGroupRaw('[', ']');
        const arg = this.isOp('{') ? this.parseGroup('{', '}') : this.parseAtom();
        return { kind: 'root', arg, index };
      }
      case 'binom':
      case 'dbinom':
      case 'tbinom': {
        const n = this.fracArg();
        const k = this.fracArg();
        return { kind: 'binom', n, k };
      }
      case 'ln':
        return { kind: 'log', arg: this.parsePostfix(), base: null };
      case 'log': {
        // Only `\log_b x` is read: what a bare `\log` means differs between the two parsers.
        if (!this.isOp('_')) throw new MathParseError('\\log without a base');
        this.pos++;
        const base = this.fracArg();
        return { kind: 'log', arg: this.parsePostfix(), base };
      }
      case '{':
        if (this.grammar === 'set') return this.parseBraceSet();
        throw new MathParseError('\\{');
      default:
        throw new MathParseError(`unknown command \\${name}`);
    }
  }

  private parseGroupRaw(open: string, close: string): MathNode {
    this.expectOp(open);
    const inner = this.parseAdditive();
    this.expectOp(close);
    return inner;
  }

  private parseBraceSet(): MathNode {
    const items: MathNode[] = [];
    if (this.isCmd('}')) {
      this.pos++;
      return { kind: 'set', items };
    }
    items.push(...this.separated(',', () => this.parseUnion()));
    if (!this.isCmd('}')) throw new MathParseError('unclosed \\{');
    this.pos++;
    return { kind: 'set', items };
  }

  /** A `\frac` argument: a group, or a single digit or letter (`\frac12`). */
  private fracArg(): MathNode {
    if (this.isOp('{')) return this.parseGroup('{', '}');
    const t = this.peek();
    if (t && t.t === 'num') {
      this.pos++;
      const d = t.v[0]!;
      if (t.v.length > 1) this.toks.splice(this.pos, 0, { t: 'num', v: t.v.slice(1) });
      return { kind: 'num', text: d, float: false };
    }
    if (t && (t.t === 'letter' || t.t === 'cmd')) return this.parseAtom();
    throw new MathParseError('bad \\frac');
  }
}

function isInfinity(n: MathNode): boolean {
  if (n.kind === 'neg') return isInfinity(n.arg);
  return n.kind === 'const' && n.name === 'inf';
}

function mul(a: MathNode, b: MathNode): MathNode {
  return a.kind === 'mul' ? { kind: 'mul', factors: [...a.factors, b] } : { kind: 'mul', factors: [a, b] };
}

/** `(a, b)` is an open interval when a < b can be decided on plain numbers (or an infinity). */
function isOrderedPair(a: MathNode, b: MathNode): boolean {
  const va = plainNumber(a);
  const vb = plainNumber(b);
  return va !== null && vb !== null && va < vb;
}

function plainNumber(n: MathNode): number | null {
  if (n.kind === 'num') return Number(n.text);
  if (n.kind === 'const') return n.name === 'inf' ? Infinity : n.name === 'e' ? Math.E : Math.PI;
  if (n.kind === 'neg') {
    const v = plainNumber(n.arg);
    return v === null ? null : -v;
  }
  if (n.kind === 'div') {
    const p = plainNumber(n.num);
    const q = plainNumber(n.den);
    return p === null || q === null || q === 0 ? null : p / q;
  }
  if (n.kind === 'root') {
    const v = plainNumber(n.arg);
    return v === null || n.index !== null ? null : Math.sqrt(v);
  }
  if (n.kind === 'mul') {
    let p = 1;
    for (const f of n.factors) {
      const v = plainNumber(f);
      if (v === null) return null;
      p *= v;
    }
    return p;
  }
  return null;
}

/**
 * Parses a MATH answer.
 *
 * @param src - the LaTeX answer
 * @param grammar - `sympy` (what lm-eval's sympy step reads) or `set` (Math-Verify's wider grammar)
 * @returns the parsed expression
 * @throws MathParseError where the grammar rejects the input
 */
export function parseMathAnswer(src: string, grammar: MathGrammar): MathNode {
  return new Parser(tokenize(src, grammar), grammar).parseTop();
}
