/**
 * Parses `git status --porcelain=v2 -z --branch` output.
 * @module
 */

/** What the status output says about HEAD and the work tree. */
export interface ParsedStatus {
  /** The HEAD commit, or null when the repository has no commit yet (`(initial)`). */
  commit: string | null;
  /** The branch, or null on a detached HEAD. */
  branch: string | null;
  /** Tracked paths that differ from HEAD in the index or the work tree (both sides of a rename). */
  changedFiles: string[];
  /** Untracked, non-ignored paths counted. */
  untrackedCount: number;
}

/** Fields before the path in each ordinary (`1`), rename (`2`) and unmerged (`u`) record. */
const FIELDS_BEFORE_PATH: Record<string, number> = { '1': 8, '2': 9, u: 10 };

/** The text after the `n`-th space of `record`, or null if it has fewer spaces. */
function afterSpaces(record: string, n: number): string | null {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = record.indexOf(' ', at + 1);
    if (at === -1) return null;
  }
  return record.slice(at + 1);
}

/**
 * Parses the NUL-separated records of `git status --porcelain=v2 -z --branch`. Paths are relative to
 * the repository root, as git prints them in porcelain mode.
 *
 * @param output - The raw standard output, decoded as UTF-8.
 * @returns HEAD, branch, changed tracked paths (sorted, unique) and the untracked count.
 *
 * @example
 * ```ts
 * parseStatusV2('# branch.oid 1a2b...\0# branch.head main\0? notes.txt\0');
 * // { commit: '1a2b...', branch: 'main', changedFiles: [], untrackedCount: 1 }
 * ```
 */
export function parseStatusV2(output: string): ParsedStatus {
  const records = output.split('\0');
  let commit: string | null = null;
  let branch: string | null = null;
  const changed = new Set<string>();
  let untrackedCount = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i] ?? '';
    if (record === '') continue;
    const kind = record[0] ?? '';
    if (kind === '#') {
      if (record.startsWith('# branch.oid ')) {
        const oid = record.slice('# branch.oid '.length);
        commit = oid === '(initial)' ? null : oid;
      } else if (record.startsWith('# branch.head ')) {
        const head = record.slice('# branch.head '.length);
        branch = head === '(detached)' ? null : head;
      }
    } else if (kind === '?') {
      untrackedCount += 1;
    } else if (kind === '!') {
      // ignored file: not reported
    } else {
      const fields = FIELDS_BEFORE_PATH[kind];
      if (fields === undefined) continue;
      const path = afterSpaces(record, fields);
      if (path !== null) changed.add(path);
      if (kind === '2') {
        // A rename record is followed by its original path as a record of its own.
        i += 1;
        const original = records[i];
        if (original !== undefined && original !== '') changed.add(original);
      }
    }
  }
  return { commit, branch, changedFiles: [...changed].sort(), untrackedCount };
}
