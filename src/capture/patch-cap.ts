/**
 * Keeps a git patch under a size cap, cutting at a file boundary so what is kept still applies.
 * @module
 */

/** The default cap of a captured patch: 1 MiB of UTF-8. */
export const DEFAULT_MAX_PATCH_BYTES = 1024 * 1024;

/** Byte offsets at which each `diff --git ` section of a patch starts. */
function sectionStarts(patch: Buffer): number[] {
  const marker = Buffer.from('diff --git ');
  const starts: number[] = [];
  if (patch.subarray(0, marker.length).equals(marker)) starts.push(0);
  const lineMarker = Buffer.from('\ndiff --git ');
  let at = patch.indexOf(lineMarker);
  while (at !== -1) {
    starts.push(at + 1);
    at = patch.indexOf(lineMarker, at + 1);
  }
  return starts;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The result of {@link capPatch}. */
export interface CappedPatch {
  /** The patch kept: whole file sections, or the start of the first one when even that is too big. */
  patch: string;
  /** Whether anything was left out (cut at the cap, or a section that is not valid UTF-8). */
  truncated: boolean;
}

/**
 * Cuts a patch to at most `maxBytes` bytes. Whole `diff --git` sections are kept in order while they
 * fit; when even the first one does not, it is cut at its last complete line, which no longer applies
 * but still shows what changed. A section that is not valid UTF-8 (a text file in another encoding)
 * cannot be carried in a string without corrupting it, so it is left out and counts as truncation.
 *
 * @param raw - The patch bytes, as git wrote them (possibly already cut by the reader).
 * @param maxBytes - The cap in bytes.
 * @param alreadyCut - Whether the reader stopped before the end of git's output.
 * @returns The patch text and whether anything was left out.
 *
 * @example
 * ```ts
 * capPatch(Buffer.from(diffText), 1024 * 1024, false); // { patch: diffText, truncated: false }
 * ```
 */
export function capPatch(raw: Buffer, maxBytes: number, alreadyCut: boolean): CappedPatch {
  const starts = sectionStarts(raw);
  let truncated = alreadyCut || raw.length > maxBytes;
  const kept: string[] = [];
  let size = 0;
  if (starts.length === 0) {
    if (raw.length === 0) return { patch: '', truncated };
    starts.push(0);
  }
  for (let s = 0; s < starts.length; s++) {
    const start = starts[s] ?? 0;
    const isLast = s === starts.length - 1;
    const end = isLast ? raw.length : (starts[s + 1] ?? raw.length);
    // The last section of an output cut by the reader is incomplete: never keep it whole.
    if (isLast && alreadyCut) {
      truncated = true;
      break;
    }
    if (size + (end - start) > maxBytes) {
      truncated = true;
      break;
    }
    let text: string;
    try {
      text = utf8.decode(raw.subarray(start, end));
    } catch {
      truncated = true;
      continue;
    }
    kept.push(text);
    size += end - start;
  }
  const firstStart = starts[0] ?? 0;
  const firstEnd = starts.length > 1 ? (starts[1] ?? raw.length) : raw.length;
  const firstTooBig = firstEnd - firstStart > maxBytes || (starts.length === 1 && alreadyCut);
  if (kept.length === 0 && firstTooBig) {
    // Not even one section fits: keep the start of the first one, cut at a line end.
    const first = raw.subarray(starts[0] ?? 0, Math.min(raw.length, (starts[0] ?? 0) + maxBytes));
    const lastNewline = first.lastIndexOf(0x0a);
    const head = lastNewline === -1 ? Buffer.alloc(0) : first.subarray(0, lastNewline + 1);
    return { patch: new TextDecoder('utf-8').decode(head), truncated: true };
  }
  return { patch: kept.join(''), truncated };
}
