/**
 * The delivery ledger of `HttpBackend` (Node only): while the server is away, the batches it has
 * not taken are appended to `<dir>/<session>.jsonl`, one encoded request body a line, after a first
 * line naming the process. The file is removed once the queue is empty. A later `HttpBackend` with
 * the same directory adopts the files of processes that are gone and sends their batches first:
 * they keep their batch identity, so a batch the server took before the process died is skipped
 * by the store, not applied twice. A write that fails does not stop the ones after it: the next
 * one writes the whole queue again, so the file misses a batch only until then.
 *
 * `node:fs` is imported here at run time by a computed specifier, so a bundle for the browser never
 * sees it; this module is only used when `ledgerDir` is set.
 * @module
 */

interface NodeFs {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  appendFile(path: string, data: string): Promise<void>;
  writeFile(path: string, data: string): Promise<void>;
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  readdir(path: string): Promise<string[]>;
  rm(path: string, options: { force: true }): Promise<void>;
}

interface NodeProcess {
  pid: number;
  kill(pid: number, signal: 0): boolean;
}

import type { LedgerBlob } from './blob-upload.js';

const load = (specifier: string): Promise<unknown> => import(/* @vite-ignore */ specifier);

/** A batch as it waits: its number and the request body that carries it. */
export interface LedgerEntry {
  session: string;
  sequence: number;
  body: string;
  /** The artifact files and images to upload before the batch (files by path, images as base64). */
  blobs?: LedgerBlob[];
}

/** The ledger file of one backend instance, and the adopted files of dead ones. */
export class DeliveryLedger {
  private active = false;
  /** The writes in order; never rejects (a failure is kept in `failure`). */
  private writes: Promise<void> = Promise.resolve();
  /** Why the file lacks a batch given to it, until a write of the whole queue succeeds. */
  private failure: Error | undefined;

  private constructor(
    private readonly fs: NodeFs,
    private readonly file: string,
    private readonly host: string,
  ) {}

  /**
   * Opens the ledger of a session in `dir`.
   *
   * @param dir - the directory
   * @param session - this backend's session
   * @returns the ledger
   */
  static async open(dir: string, session: string): Promise<DeliveryLedger> {
    const fs = (await load('node:fs/promises')) as NodeFs;
    const os = (await load('node:os')) as { hostname(): string };
    await fs.mkdir(dir, { recursive: true });
    return new DeliveryLedger(fs, `${dir.replace(/\/+$/, '')}/${session}.jsonl`, os.hostname());
  }

  /**
   * Reads the ledgers that processes of this host left behind when they ended, and removes them
   * (their batches now wait in this backend's queue, and in its own file while undelivered).
   *
   * @returns their batches, file by file, in the order they were queued
   */
  async adoptOrphans(): Promise<LedgerEntry[]> {
    const dir = this.file.slice(0, this.file.lastIndexOf('/'));
    const proc = (globalThis as { process?: NodeProcess }).process;
    const adopted: LedgerEntry[] = [];
    // A batch can be on two lines (appended, then written again with the queue after a failed write).
    const seen = new Set<string>();
    for (const name of (await this.fs.readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort()) {
      const path = `${dir}/${name}`;
      if (path === this.file) continue;
      const lines = (await this.fs.readFile(path, 'utf8').catch(() => '')).split('\n').filter((l) => l !== '');
      let owner: { pid?: unknown; host?: unknown };
      try {
        owner = JSON.parse(lines[0] ?? '{}') as typeof owner;
      } catch {
        continue;
      }
      if (owner.host !== this.host || typeof owner.pid !== 'number' || isAlive(proc, owner.pid)) continue;
      for (const line of lines.slice(1)) {
        try {
          const entry = JSON.parse(line) as LedgerEntry;
          const identity = `${entry.session}/${entry.sequence}`;
          if (typeof entry.session === 'string' && typeof entry.sequence === 'number' && typeof entry.body === 'string' && !seen.has(identity)) {
            seen.add(identity);
            adopted.push(entry);
          }
        } catch {
          // A line cut short by the crash: its batch was never acknowledged, and is lost with the line.
        }
      }
      await this.fs.rm(path, { force: true });
    }
    return adopted;
  }

  /** Whether batches are being kept on disk (the server was found away). */
  get spilling(): boolean {
    return this.active;
  }

  /**
   * Starts keeping batches on disk: writes what waits now, then every batch queued until {@link clear}.
   *
   * @param waiting - the queue as it is
   */
  spill(waiting: readonly LedgerEntry[]): Promise<void> {
    if (this.active) return this.writes;
    this.active = true;
    return this.enqueue(() => this.writeAll(waiting));
  }

  /**
   * Appends a batch while spilling; after a failed write, writes the whole queue instead.
   *
   * @param entry - the batch
   * @param queue - the queue at the time of the write (the batch is in it)
   */
  append(entry: LedgerEntry, queue: () => readonly LedgerEntry[]): Promise<void> {
    if (!this.active) return Promise.resolve();
    const line = `${JSON.stringify(entry)}\n`;
    return this.enqueue(() => (this.failure ? this.writeAll(queue()) : this.fs.appendFile(this.file, line)));
  }

  /** Whether every batch given so far is on disk: waits for the writes under way. */
  async written(): Promise<boolean> {
    await this.writes;
    return this.failure === undefined;
  }

  /** Why the last write failed, while the file lacks a batch given to it. */
  get writeError(): Error | undefined {
    return this.failure;
  }

  /** The queue is empty: nothing needs the file any more. */
  clear(): Promise<void> {
    if (!this.active) return this.writes;
    this.active = false;
    return this.enqueue(async () => {
      await this.fs.rm(this.file, { force: true });
      this.failure = undefined;
    });
  }

  /** Replaces the file by the process line and every batch that waits. */
  private async writeAll(waiting: readonly LedgerEntry[]): Promise<void> {
    const proc = (globalThis as { process?: NodeProcess }).process;
    const head = JSON.stringify({ pid: proc?.pid ?? null, host: this.host });
    await this.fs.writeFile(this.file, [head, ...waiting.map((e) => JSON.stringify(e))].join('\n') + '\n');
    this.failure = undefined;
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    this.writes = this.writes.then(write).catch((error: unknown) => {
      this.failure = error instanceof Error ? error : new Error(String(error));
    });
    return this.writes;
  }
}

function isAlive(proc: NodeProcess | undefined, pid: number): boolean {
  if (proc === undefined) return true;
  try {
    proc.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}
