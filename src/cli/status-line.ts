/**
 * A one-line status on stderr that rewrites itself (`exporting: 3 of 10 runs, 12,345,678 points`),
 * for long commands; only on a terminal, at most a few times a second, cleared at the end.
 * @module
 */

/** A status line; every method is a no-op when stderr is not a terminal. */
export interface StatusLine {
  /** Shows `text` (throttled: a call within 200 ms of the last shown one is skipped). */
  update(text: string): void;
  /** Clears the line. */
  clear(): void;
}

/**
 * A status line on `stream` when it is a terminal.
 *
 * @param stream - stderr
 * @returns the status line
 * @example
 * ```ts
 * const status = statusLine(process.stderr);
 * status.update('exporting: 3 runs');
 * status.clear();
 * ```
 */
export function statusLine(stream: NodeJS.WritableStream & { isTTY?: boolean }): StatusLine {
  if (stream.isTTY !== true) return { update: () => undefined, clear: () => undefined };
  let shownAt = 0;
  let shown = false;
  return {
    update(text) {
      const now = Date.now();
      if (now - shownAt < 200) return;
      shownAt = now;
      shown = true;
      stream.write(`\r\x1b[2K${text}`);
    },
    clear() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
