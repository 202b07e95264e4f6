/**
 * latex2sympy2_extended's `normalize_latex` with the configuration Math-Verify's LaTeX extraction
 * uses (basic LaTeX, units, malformed operators, nits, boxed content), plus the few rewrites its
 * LaTeX grammar does on its own (`\text{...}` read as its content, TeX spacing ignored).
 */

const R_LEFT =
  /\\m?left(\\\{|\{|\\\||\||\[|\(|\\rbracl|\\lgroup|\\lbrace|\\lbrack|\\vert|\\lvert|\\lceil|\\lfloor|\\vert|\\lvert|\\langle|\\llcorner|\\ulcorner)/g;
const R_RIGHT =
  /\\m?right(\\\}|\}|\\\||\||\]|\)|\\rbrack|\\rgroup|\\rbrace|\\rbrack|\\vert|\\rvert|\\rceil|\\rfloor|\\vert|\\rvert|\\rangle|\\lrcorner|\\urcorner)/g;

// The list of latex2sympy2_extended, including its first entry "integer" "point" (one string).
const UNITS = [
  'integerpoint', 'feet', 'sue', 'digit', 'pound', 'meal', 'edge', 'student', 'children ticket', 'multiple', 'east', 'degree', 'mph', 'kmph', 'ft',
  'm square', ' m east', 'sq m', 'deg', 'mile', 'q .', 'monkey', 'prime', 'ratio', 'profit of rs', 'rd', 'o', 'gm', 'p . m', 'lb', 'tile', 'per', 'dm',
  'lt', 'gain', 'ab', 'way', 'west', 'a .', 'b .', 'c .', 'd .', 'e .', 'f .', 'g .', 'h .', 't', 'h', 'no change', 'men', 'soldier', 'pie', 'bc',
  'excess', 'st', 'inches', 'noon', 'cent', 'by', 'gal', 'kmh', 'c', 'acre', 'rise', 'a . m', 'th', 'π r 2', 'sq', 'mark', 'l', 'toy', 'coin',
  'sq . m', 'gallon', '° f', 'profit', 'minw', 'yr', 'women', 'am', 'pm', 'hr', 'cu cm', 'square', 'v â € ™', 'are', 'rupee', 'rounds', 'cubic',
  'cc', 'mtr', 's', 'ohm', 'number', 'kmph', 'day', 'hour', 'minute', 'min', 'second', 'man', 'woman', 'sec', 'cube', 'mt', 'sq inch', 'mp',
  '∏ cm ³', 'hectare', 'more', 'sec', 'unit', 'cu . m', 'cm 2', 'rs .', 'rs', 'kg', 'g', 'month', 'km', 'm', 'cm', 'mm', 'apple', 'liter', 'loss',
  'yard', 'pure', 'year', 'increase', 'decrease', 'd', 'less', 'Surface', 'litre', 'pi sq m', 's .', 'metre', 'meter', 'inch',
];
// Python's re treats these list entries as patterns ("q ." has a dot that matches anything).
const UNITS_RE = new RegExp(`(\\d|\\}|\\s)\\s*(?:(?:${UNITS.join('|')})(?:s|es)?)\\s*$`);
const TO_REMOVE = /\\mathrm\{th\}|\\!\s*|\\text\s*\{\s*\}|\\text\s*\{\s*\}|\\\$|\$|(?<!\\)["']|\\displaystyle/g;
const TO_REPLACE: ReadonlyArray<readonly [string, string]> = [
  ['\\\\math(?:rm|it|bf)', '\\text'],
  ['\\\\text(?:normal|bf|it|rm)', '\\text'],
  ['\\\\(?:d|t|c)frac', '\\frac'],
  ['\\s\\.', ' 0.'],
  ['\\{\\.', '{0.'],
  ['\\~\\=', '\\approx'],
  ['\\s*\\{\\s*,\\s*\\}', ','],
  ['(?<![a-zA-Z])(,?\\s*(?:and|or))(?![a-zA-Z])', ','],
  ['(,?\\s*\\\\text{\\s*(?:and|or)\\s*})', ','],
  ['(?<!\\\\)\\\\\\s', ' '],
  ['infinity', '\\infty'],
  [',?(\\\\ldots)', ' '],
  ['\\s*percentage', '\\%'],
  ['\\\\text{percentage}', '\\%'],
  ['\\s*percent', '\\%'],
  ['\\\\text{percent}', '\\%'],
  ['\\s*pct', '\\%'],
  ['\\\\text{pct}', '\\%'],
  ['((?<!\\\\)inf(?!inity))', '\\infty'],
  [' sqrt', '\\sqrt'],
];
const TO_REPLACE_RE = new RegExp(TO_REPLACE.map(([p], i) => `(?<r${i}>${p})`).join('|'), 'g');
const COMMAND_SLASH_FIX = /\\\\(?=[a-zA-Z])/g;
const PERMUTATION = /\(([a-zA-Z0-9+\-*/\\ ]+?)\)_{([a-zA-Z0-9+\-*/\\ ]+?)}/g;
const UNIT_SUPERSCRIPT = /(\\(?:text|mbox){.*?})(\^\d|\{\^\d\})?$/;
const MALFORMED: ReadonlyArray<readonly [RegExp, string]> = [
  [/\^\s?\((.*?)\)/g, '^{$1}'],
  [/sqrt\s?\((.*?)\)/g, '\\sqrt{$1}'],
  [/\\frac\s?(\d)\s?(\d+)/g, '\\frac{$1}{$2}'],
  [/\\log_\s?(\d)\s?(\d+)/g, '\\log_{$1}{$2}'],
  [/\\frac\s?{(.*?)}\s?(\d)/g, '\\frac{$1}{$2}'],
  [/\\frac\s?(\d)\s?{(.*?)}/g, '\\frac{$1}{$2}'],
  [/\\sqrt\s?(\d)/g, '\\sqrt{$1}'],
];
const SEPARATOR = /and|or|,|;/;

function isSpace(c: string): boolean {
  return /\s/.test(c);
}

/**
 * latex2sympy2_extended's `extract_boxed_content`: the boxed contents, right to left, joined by
 * commas (`last` keeps only boxes close together or separated by `and`, `or`, `,`).
 */
function extractBoxedContent(text: string, mode: 'last' | 'all'): string {
  const results: string[] = [];
  let currentPos = text.length;
  let lastBoxedStart: number | null = null;
  let maxPos = text.length;
  for (;;) {
    const boxedIdx = text.lastIndexOf('\\boxed', currentPos - 6 < 0 ? -1 : currentPos - 6);
    const fboxIdx = text.lastIndexOf('\\fbox', currentPos - 5 < 0 ? -1 : currentPos - 5);
    const b = boxedIdx >= 0 && boxedIdx + 6 <= currentPos ? boxedIdx : -1;
    const f = fboxIdx >= 0 && fboxIdx + 5 <= currentPos ? fboxIdx : -1;
    if (b < 0 && f < 0) break;
    const start = Math.max(b, f);
    let next = start + (b > f ? 6 : 5);
    while (next < maxPos && isSpace(text[next]!)) next++;
    if (next >= maxPos) break;
    if (text[next] === '{') {
      let depth = 1;
      let end = -1;
      for (let i = next + 1; i < maxPos; i++) {
        if (text[i] === '{') depth++;
        else if (text[i] === '}' && --depth === 0) {
          end = i;
          break;
        }
      }
      if (end < 0) {
        if (results.length === 0) results.push(text.slice(next));
        break;
      }
      const content = text.slice(next + 1, end).trim();
      if (mode === 'last' && lastBoxedStart !== null) {
        const between = text.slice(end + 1, lastBoxedStart);
        const previous = results.length > 0 ? results[results.length - 1]! : '';
        const keep = between.length < 10 || (content !== previous && between.length < 70 && SEPARATOR.test(between));
        if (!keep) break;
      }
      results.push(content);
      lastBoxedStart = start;
      maxPos = start;
    } else {
      if (results.length === 0) results.push(text.slice(next));
      break;
    }
    currentPos = start;
  }
  return results.length === 0 ? text : results.reverse().join(',');
}

function fixFracs(text: string): string {
  const parts = text.split('\\frac');
  let out = parts[0]!;
  for (let part of parts.slice(1)) {
    part = part.trimStart();
    out += '\\frac';
    if (part.length > 0 && part[0] === '{') out += part;
    else if (part.length < 2) return text;
    else {
      const a = part[0]!;
      const b = part[1]!;
      out += b !== '{' ? `{${a}}{${b}}${part.slice(2)}` : `{${a}}${b}${part.slice(2)}`;
    }
  }
  return out;
}

function fixSqrt(text: string): string {
  if (!text.includes('\\sqrt')) return text;
  const parts = text.split('\\sqrt');
  let out = parts[0]!;
  for (let part of parts.slice(1)) {
    part = part.trimStart();
    out += part.length > 0 && part[0] !== '{' && part[0] !== '[' ? `\\sqrt{${part[0]}}${part.slice(1)}` : `\\sqrt${part}`;
  }
  return out;
}

function fixASlashB(text: string): string {
  const parts = text.split('/');
  if (parts.length !== 2) return text;
  const [a, b] = parts as [string, string];
  if (!/^\s*[+-]?\d+\s*$/.test(a) || !/^\s*[+-]?\d+\s*$/.test(b)) return text;
  const ai = BigInt(a.trim());
  const bi = BigInt(b.trim());
  return text === `${ai}/${bi}` ? `\\frac{${ai}}{${bi}}` : text;
}

/** Rewrites latex2sympy's grammar does itself: `\text{...}` is its content, spacing is ignored. */
function grammarRewrites(text: string): string {
  return text
    .replace(/\\(?:text|mbox|operatorname)\s*\{([^{}]*)\}/g, '$1')
    .replace(/\\(?:,|;|:|quad|qquad)/g, ' ')
    .replace(/\^\s*\{?\\circ\}?/g, '')
    .trim();
}

/**
 * Normalises the LaTeX of one extracted answer as Math-Verify does before parsing it.
 *
 * @param input - the extracted LaTeX
 * @param boxed - which boxed contents to keep (`last` for a bare `\boxed{...}` match)
 * @returns the normalised LaTeX
 */
export function normalizeMathVerifyLatex(input: string, boxed: 'all' | 'last'): string {
  let text = extractBoxedContent(input, boxed);
  text = text.replaceAll('\\mathrm{T}', 'T').replaceAll('\\mathrm{d}', 'd').replaceAll('{\\rm d}', 'd');
  text = text.replaceAll('\\left[\\begin{matrix}', '\\begin{bmatrix}').replaceAll('\\end{matrix}\\right]', '\\end{bmatrix}');
  text = text.replace(R_LEFT, '$1').replace(R_RIGHT, '$1');
  text = text.replace(PERMUTATION, '\\frac{($1)!}{(($1)-($2))!}');
  text = text.replace(TO_REMOVE, '');
  text = text.replace(TO_REPLACE_RE, (...args: unknown[]) => {
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    const i = TO_REPLACE.findIndex((_, k) => groups[`r${k}`] !== undefined);
    return TO_REPLACE[i]![1];
  });
  text = text.replaceAll('\n', ' ').replaceAll('\t', ' ');
  if (!text.includes('matrix')) text = text.replace(COMMAND_SLASH_FIX, '\\');
  const withoutSuperscript = text.replace(UNIT_SUPERSCRIPT, '').trim();
  if (withoutSuperscript !== '' && withoutSuperscript !== text) text = withoutSuperscript;
  for (let k = 0; k < 2; k++) {
    const stripped = text.replace(UNITS_RE, '$1');
    if (stripped !== '' && stripped !== text) text = stripped;
  }
  if (text.length > 0 && text[0] === '.') text = '0' + text;
  if (text === '0.5') text = '\\frac{1}{2}';
  for (const [re, rep] of MALFORMED) text = text.replace(re, rep);
  text = text.replaceAll(' sqrt', '\\sqrt');
  text = fixASlashB(fixFracs(fixSqrt(text)));
  return grammarRewrites(text.trim());
}
