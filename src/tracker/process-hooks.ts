/** What a tracker does when the process it lives in ends. */
export interface ProcessEndHandlers {
  /** An uncaught exception or unhandled rejection is about to end the process. Synchronous. */
  onFatalError(error: unknown): void;
  /**
   * SIGINT or SIGTERM arrived. What can be written synchronously is written before this returns;
   * the promise settles when the backends that write asynchronously have the rest.
   */
  onSignal(signal: 'SIGINT' | 'SIGTERM'): Promise<unknown>;
  /** The event loop ran dry without the run being finished; async work is still possible. */
  onBeforeExit(): void;
  /** The process is exiting; only synchronous work happens from here. */
  onExit(code: number): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** How long a signal waits for asynchronous backends before the process ends as the signal says. */
const SIGNAL_FLUSH_DEADLINE_MS = 5_000;
type Listener = (...args: never[]) => void;

interface Registry {
  subscribers: Set<ProcessEndHandlers>;
  listeners: Array<[string, Listener]>;
}

// One registry per process, shared by the ESM and CJS copies of exptrack, so that every tracker
// hangs off the same few process listeners and the host's own listeners can be counted.
const REGISTRY_KEY = Symbol.for('exptrack.processHooks');

function registry(): Registry {
  const holder = globalThis as typeof globalThis & { [REGISTRY_KEY]?: Registry };
  holder[REGISTRY_KEY] ??= { subscribers: new Set(), listeners: [] };
  return holder[REGISTRY_KEY];
}

/**
 * Calls `handlers` when the process ends, until the returned function is called. Chains to the
 * host's own handlers: it never swallows an error, and re-raises a signal that the host does not
 * handle, so the process ends as it would have without exptrack.
 */
export function onProcessEnd(handlers: ProcessEndHandlers): () => void {
  // Outside Node (a browser, an edge worker) there is no process to watch.
  if (typeof (globalThis as { process?: { on?: unknown } }).process?.on !== 'function') return () => {};
  const reg = registry();
  reg.subscribers.add(handlers);
  if (reg.listeners.length === 0) installListeners(reg);
  return () => {
    reg.subscribers.delete(handlers);
    if (reg.subscribers.size === 0) removeListeners(reg);
  };
}

function installListeners(reg: Registry): void {
  const each = (call: (h: ProcessEndHandlers) => void): void => {
    for (const handlers of [...reg.subscribers]) {
      try {
        call(handlers);
      } catch {
        // A tracker's last words must not change how the process ends.
      }
    }
  };
  const listen = (event: string, listener: Listener): void => {
    process.on(event as 'exit', listener as () => void);
    reg.listeners.push([event, listener]);
  };
  // The monitor runs before Node's default handling and changes nothing about it. When the host
  // has its own uncaughtException handler the process may live on, so the run is left alone.
  listen('uncaughtExceptionMonitor', (error: unknown) => {
    if (process.listenerCount('uncaughtException') === 0) each((h) => h.onFatalError(error));
  });
  for (const signal of SIGNALS) {
    let received = false;
    listen(signal, () => {
      const reRaise = (): void => {
        // Nobody else handles it: restore the default and re-raise, so the exit code is the usual one.
        removeListeners(reg);
        process.kill(process.pid, signal);
      };
      const hostHandlesIt = process.listenerCount(signal) > 1;
      if (received) {
        if (!hostHandlesIt) reRaise(); // a second Ctrl-C does not wait
        return;
      }
      received = true;
      const written: Promise<unknown>[] = [];
      each((h) => written.push(h.onSignal(signal).catch(() => undefined)));
      if (hostHandlesIt) return;
      const deadline = new Promise((resolve) => setTimeout(resolve, SIGNAL_FLUSH_DEADLINE_MS).unref());
      void Promise.race([Promise.all(written), deadline]).then(reRaise);
    });
  }
  listen('beforeExit', () => each((h) => h.onBeforeExit()));
  listen('exit', (code: number) => each((h) => h.onExit(code)));
}

function removeListeners(reg: Registry): void {
  for (const [event, listener] of reg.listeners.splice(0)) process.removeListener(event, listener as () => void);
}
