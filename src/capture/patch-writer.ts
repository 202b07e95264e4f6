/**
 * Writes git-style patch sections (`diff --git`) from two versions of a file, for the isomorphic-git
 * fallback, which has no diff engine: text as one unified hunk, binary as a git binary literal.
 * Every section applies with `git apply`.
 * @module
 */
import { deflateSync } from 'node:zlib';

/** One side of a change: the git mode, the blob id and the bytes, or null when the file is absent. */
export interface FileVersion {
  mode: number;
  oid: string;
  content: Buffer;
}

const ZERO_OID = '0'.repeat(40);
const CONTEXT = 3;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Git's base-85 alphabet (base85.c). */
const BASE85 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~';

function modeText(mode: number): string {
  return mode.toString(8).padStart(6, '0');
}

/** Quotes a path the way git does when it holds a quote, a backslash or a control character. */
function quotePath(prefix: string, path: string): string {
  if (!/["\\\x00-\x1f\x7f]/.test(path)) return prefix + path;
  const escaped = (prefix + path).replace(/["\\\x00-\x1f\x7f]/g, (ch) => {
    const named: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
    return named[ch] ?? `\\${ch.charCodeAt(0).toString(8).padStart(3, '0')}`;
  });
  return `"${escaped}"`;
}

/**
 * Whether content must be written as a binary patch: it has a NUL byte in its first 8,000 bytes (git's
 * rule), or it is not valid UTF-8 (a patch is carried as a string).
 *
 * @param content - The file content.
 * @returns True for binary content.
 *
 * @example
 * ```ts
 * isBinaryContent(Buffer.from('text\n'));      // false
 * isBinaryContent(Buffer.from([0x89, 0x50, 0])); // true
 * ```
 */
export function isBinaryContent(content: Buffer): boolean {
  if (content.subarray(0, 8000).includes(0)) return true;
  try {
    utf8.decode(content);
    return false;
  } catch {
    return true;
  }
}

/** The lines of a text, each with its `\n` (the last one may lack it). */
function splitLines(text: string): string[] {
  const lines: string[] = [];
  let start = 0;
  for (;;) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) break;
    lines.push(text.slice(start, nl + 1));
    start = nl + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

function hunkLine(marker: string, line: string): string {
  return line.endsWith('\n') ? marker + line : `${marker}${line}\n\\ No newline at end of file\n`;
}

function range(start: number, count: number): string {
  // A side with no line in the hunk names the line before it.
  const first = count === 0 ? start : start + 1;
  return count === 1 ? `${first}` : `${first},${count}`;
}

/**
 * One unified hunk from the first to the last changed line (common leading and trailing lines are
 * trimmed), with three lines of context: not minimal for scattered edits, but exact.
 */
function unifiedHunk(oldText: string, newText: string): string {
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const before = Math.min(CONTEXT, head);
  const after = Math.min(CONTEXT, tail);
  const start = head - before;
  const oldEnd = a.length - tail + after;
  const newEnd = b.length - tail + after;
  let out = `@@ -${range(start, oldEnd - start)} +${range(start, newEnd - start)} @@\n`;
  for (let i = start; i < head; i++) out += hunkLine(' ', a[i] ?? '');
  for (let i = head; i < a.length - tail; i++) out += hunkLine('-', a[i] ?? '');
  for (let i = head; i < b.length - tail; i++) out += hunkLine('+', b[i] ?? '');
  for (let i = a.length - tail; i < oldEnd; i++) out += hunkLine(' ', a[i] ?? '');
  return out;
}

/** Git's binary literal: zlib data in lines of up to 52 bytes, each a length letter and base-85. */
function binaryLiteral(content: Buffer): string {
  const data = deflateSync(content);
  let out = `literal ${content.length}\n`;
  for (let off = 0; off < data.length; off += 52) {
    const chunk = data.subarray(off, off + 52);
    out += chunk.length <= 26 ? String.fromCharCode(64 + chunk.length) : String.fromCharCode(96 + chunk.length - 26);
    for (let i = 0; i < chunk.length; i += 4) {
      let value = 0;
      for (let j = 0; j < 4; j++) value = value * 256 + (chunk[i + j] ?? 0);
      let group = '';
      for (let k = 0; k < 5; k++) {
        group = (BASE85[value % 85] ?? '') + group;
        value = Math.floor(value / 85);
      }
      out += group;
    }
    out += '\n';
  }
  return `${out}\n`;
}

function section(path: string, from: FileVersion | null, to: FileVersion | null): string {
  const a = quotePath('a/', path);
  const b = quotePath('b/', path);
  let out = `diff --git ${a} ${b}\n`;
  let modeSuffix = '';
  if (from === null && to !== null) out += `new file mode ${modeText(to.mode)}\n`;
  else if (from !== null && to === null) out += `deleted file mode ${modeText(from.mode)}\n`;
  else if (from !== null && to !== null && from.mode !== to.mode) out += `old mode ${modeText(from.mode)}\nnew mode ${modeText(to.mode)}\n`;
  else if (from !== null) modeSuffix = ` ${modeText(from.mode)}`;
  const fromOid = from?.oid ?? ZERO_OID;
  const toOid = to?.oid ?? ZERO_OID;
  if (fromOid === toOid) return out; // a mode change only
  out += `index ${fromOid}..${toOid}${modeSuffix}\n`;
  const oldContent = from?.content ?? Buffer.alloc(0);
  const newContent = to?.content ?? Buffer.alloc(0);
  if (isBinaryContent(oldContent) || isBinaryContent(newContent)) {
    return `${out}GIT binary patch\n${binaryLiteral(newContent)}${binaryLiteral(oldContent)}`;
  }
  out += `--- ${from === null ? '/dev/null' : a}\n+++ ${to === null ? '/dev/null' : b}\n`;
  return out + unifiedHunk(oldContent.toString('utf8'), newContent.toString('utf8'));
}

/**
 * The patch of one path from `from` (HEAD) to `to` (the work tree): a `diff --git` section that
 * `git apply` applies, or two (a deletion, then an addition) when the file type changed (file and
 * symlink). Text is one unified hunk from the first to the last changed line with three lines of
 * context; content that has a NUL byte or is not UTF-8 is written as a git binary literal patch.
 *
 * @param path - The path relative to the repository root.
 * @param from - The version in HEAD, or null when the file is new.
 * @param to - The version in the work tree, or null when the file was deleted.
 * @returns The patch text; empty when both sides are the same.
 *
 * @example
 * ```ts
 * filePatch('a.txt', { mode: 0o100644, oid: oldOid, content: Buffer.from('a\n') },
 *                    { mode: 0o100644, oid: newOid, content: Buffer.from('b\n') });
 * // 'diff --git a/a.txt b/a.txt\nindex ...\n--- a/a.txt\n+++ b/a.txt\n@@ -1 +1 @@\n-a\n+b\n'
 * ```
 */
export function filePatch(path: string, from: FileVersion | null, to: FileVersion | null): string {
  if (from === null && to === null) return '';
  if (from !== null && to !== null && from.oid === to.oid && from.mode === to.mode) return '';
  if (from !== null && to !== null && (from.mode & 0o170000) !== (to.mode & 0o170000)) {
    return section(path, from, null) + section(path, null, to);
  }
  return section(path, from, to);
}
