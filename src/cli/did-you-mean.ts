/**
 * "Did you mean" for names a user typed: the known names closest to a misspelt one.
 * @module
 */

/**
 * The candidates within a small edit distance of `input` (or that contain it, or that it
 * contains), closest first.
 *
 * @param input - what the user typed
 * @param candidates - the names that exist
 * @param most - how many suggestions at most
 * @returns the suggestions, closest first
 * @example
 * ```ts
 * suggestNames('gsm8', ['gsm8k', 'math', 'arc_easy']); // ['gsm8k']
 * ```
 */
export function suggestNames(input: string, candidates: Iterable<string>, most = 3): string[] {
  const needle = input.toLowerCase();
  const limit = Math.max(2, Math.floor(needle.length / 3));
  const scored: Array<[string, number]> = [];
  for (const candidate of candidates) {
    const name = candidate.toLowerCase();
    const distance = name.includes(needle) || needle.includes(name) ? 0 : editDistance(needle, name);
    if (distance <= limit) scored.push([candidate, distance]);
  }
  return scored.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).slice(0, most).map(([name]) => name);
}

/**
 * A message naming what was not found, the closest names, and the known ones.
 *
 * @param what - e.g. `benchmark`
 * @param input - what the user typed
 * @param known - the names that exist
 * @returns e.g. `unknown benchmark "gsm8" (did you mean gsm8k?); known: gsm8k, math`
 * @example
 * ```ts
 * unknownNameMessage('benchmark', 'gsm8', ['gsm8k', 'math']);
 * ```
 */
export function unknownNameMessage(what: string, input: string, known: readonly string[]): string {
  const suggestions = suggestNames(input, known);
  const hint = suggestions.length > 0 ? ` (did you mean ${suggestions.join(' or ')}?)` : '';
  const list = known.length === 0 ? 'none in this store' : known.length > 20 ? `${known.slice(0, 20).join(', ')}, … (${known.length} in all)` : known.join(', ');
  return `unknown ${what} "${input}"${hint}; known: ${list}`;
}

/** Levenshtein distance between two strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
