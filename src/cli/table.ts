/**
 * Borderless text tables, in time linear in the number of cells (a store can list thousands of
 * runs; cli-table3's layout is quadratic in the cells and took seconds on 10,000 rows).
 * @module
 */
import { terminalSafe } from './terminal-safe.js';
/** ANSI escape sequences (colours): they take no columns. */
const ANSI = /\u001b\[[0-9;]*m/g;

/** The columns a cell takes: its code points once colour codes are removed. */
function visibleWidth(text: string): number {
  let n = 0;
  for (const _ of text.replace(ANSI, '')) n++;
  return n;
}

/** How a column is aligned. */
export type ColumnAlign = 'left' | 'right' | 'center';

/**
 * Renders rows of cells as aligned columns, two spaces apart, trailing spaces trimmed. Widths count
 * code points (ANSI colour codes take none).
 *
 * @param head - the header cells
 * @param rows - the rows; a missing cell is empty
 * @param align - each column's alignment (left by default)
 * @returns the table, lines joined by `\n`, without a final newline
 * @example
 * ```ts
 * renderTable(['ID', 'SCORE'], [['a', '0.5'], ['bb', '0.75']], ['left', 'right']);
 * // 'ID  SCORE\na     0.5\nbb   0.75'
 * ```
 */
export function renderTable(head: readonly string[], rows: readonly (readonly string[])[], align: readonly ColumnAlign[] = []): string {
  const all = [head, ...rows];
  const columns = Math.max(0, ...all.map((r) => r.length));
  const widths = new Array<number>(columns).fill(0);
  const measured = all.map((row) =>
    Array.from({ length: columns }, (_, i) => {
      // A cell is one line: a line break or control character in stored text is shown escaped.
      const text = terminalSafe(row[i] ?? '', { keepColour: true });
      const width = visibleWidth(text);
      if (width > (widths[i] as number)) widths[i] = width;
      return { text, width };
    }),
  );
  return measured
    .map((cells) =>
      cells
        .map(({ text, width }, i) => {
          const room = (widths[i] as number) - width;
          const how = align[i] ?? 'left';
          if (how === 'right') return ' '.repeat(room) + text;
          if (how === 'center') return ' '.repeat(Math.floor(room / 2)) + text + ' '.repeat(room - Math.floor(room / 2));
          return text + ' '.repeat(room);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
