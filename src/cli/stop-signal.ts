/**
 * Resolves at the first SIGINT or SIGTERM, for commands that serve until stopped (`ui`, `server`);
 * the handlers are removed again, so a second signal ends the process as usual.
 *
 * @returns when a stop signal came
 * @example
 * ```ts
 * await stopSignal();
 * await server.close();
 * ```
 */
export function stopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
