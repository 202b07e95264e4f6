/**
 * The one escaping function every string bound for a terminal goes through: stored text (run
 * names, tags, metric keys, argv) may hold escape sequences that would set the window title, write
 * the clipboard (OSC 52) or redraw what the user reads.
 * @module
 */

/**
 * C0 controls, DEL, C1 controls, bidi overrides and isolates, line and paragraph separators: the
 * characters that move the cursor, start escape sequences or reorder what a terminal shows.
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The same, less the line feed and tab a multi-line text may hold. */
const UNSAFE_IN_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The colour sequences the CLI writes itself (`ESC [ 1 ; 36 m`), and nothing else. */
const SGR = /\u001b\[[0-9;]{0,16}m/y;

/**
 * How {@link terminalSafe} treats line breaks and colour.
 *
 * @example
 * ```ts
 * const o: TerminalSafeOptions = { lines: true };
 * ```
 */
export interface TerminalSafeOptions {
  /** Keep line feeds and tabs (a whole output); a field is one line, so it escapes them. @defaultValue false */
  lines?: boolean;
  /** Keep plain SGR colour sequences (`ESC [ … m`), for the CLI's own colours at the output. @defaultValue false */
  keepColour?: boolean;
}

/**
 * Makes a text harmless to print on a terminal: every control character is shown as an escape
 * (`\x1b`, `\x07`, `\r`, `\x9b`), and bidi controls as `\u202e`. Printable text, emoji and
 * non-Latin scripts are kept as they are.
 *
 * @param text - any text (a non-string is turned into one)
 * @param options - keep line breaks, keep colour
 * @returns the text, safe to print
 * @example
 * ```ts
 * terminalSafe('run\u001b]52;c;aGk=\u0007'); // 'run\\x1b]52;c;aGk=\\x07'
 * terminalSafe('a\nb');                      // 'a\\nb'
 * terminalSafe('a\nb', { lines: true });     // 'a\nb'
 * ```
 */
export function terminalSafe(text: unknown, options: TerminalSafeOptions = {}): string {
  const s = typeof text === 'string' ? text : String(text);
  const pattern = options.lines ? UNSAFE_IN_LINES : UNSAFE;
  pattern.lastIndex = 0;
  if (!pattern.test(s)) return s;
  pattern.lastIndex = 0;
  if (!options.keepColour) return s.replace(pattern, escapeChar);
  return s.replace(pattern, (ch, offset: number) => {
    if (ch === '\u001b') {
      SGR.lastIndex = offset;
      if (SGR.test(s)) return ch;
    }
    return escapeChar(ch);
  });
}

/**
 * Escapes, in JSON text, the characters JSON leaves raw but a terminal acts on (DEL, C1 controls,
 * bidi controls), as `\u009b`; the result parses to the same value.
 *
 * @param json - JSON text (`JSON.stringify` already escaped the C0 controls)
 * @returns the same JSON, safe to print
 * @example
 * ```ts
 * JSON.parse(terminalSafeJson(JSON.stringify('a\u009b'))) === 'a\u009b'; // true
 * ```
 */
export function terminalSafeJson(json: string): string {
  UNSAFE_IN_LINES.lastIndex = 0;
  return json.replace(UNSAFE_IN_LINES, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function escapeChar(ch: string): string {
  switch (ch) {
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default: {
      const code = ch.charCodeAt(0);
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
    }
  }
}
