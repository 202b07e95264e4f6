/**
 * The delivery ledger: one small JSON file per W&B run recording what W&B acknowledged (a
 * fingerprint per history line offset, the summary, the exit code) and what was not delivered.
 * The live backend writes it; `syncExperimentsToWandb` reads it to send only what is missing.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What one run's ledger holds. */
export interface LedgerState {
  version: 1;
  experimentId: string;
  runId: string;
  entity: string;
  project: string;
  /** When the experiment started (ms), so a process that resumes it computes the same `_runtime`. */
  createdAt: number | null;
  /** Fingerprint of the UpsertBucket fields last acknowledged, or null. */
  upsert: string | null;
  /** Fingerprint of the history line W&B acknowledged at each offset; null where unknown. */
  lines: Array<string | null>;
  /** The `_step` of the last history line acknowledged, or null. */
  lastStep: number | null;
  /** Fingerprint of the summary last acknowledged, or null. */
  summary: string | null;
  /** The exit code W&B acknowledged with `complete`, or null. */
  exitCode: number | null;
  /** History rows the live backend could not deliver (still queued or given up) when it last wrote. */
  undeliveredRows: number;
  /** Run files (images, tables) the live backend had not uploaded when it last wrote. */
  undeliveredFiles?: string[];
  /** Artifact versions W&B committed, by {@link artifactKey}: W&B's artifact id and exptrack's digest. */
  artifacts?: Record<string, { id: string; digest: string }>;
  /** Artifact versions ({@link artifactKey}) the live backend had not sent when it last wrote. */
  undeliveredArtifacts?: string[];
  /** Artifact uses W&B recorded ({@link useKey}). */
  uses?: string[];
  /** Artifact uses ({@link useKey}) the live backend had not sent when it last wrote. */
  undeliveredUses?: string[];
  /** Points that arrived after a higher step had been sent (W&B drops non-increasing steps): only a sync can place them. */
  latePoints: number;
  /** Whether something is known to be missing on W&B (a sync will deliver it). */
  needsSync: boolean;
  lastError: string | null;
  updatedAt: number;
}

/** The ledger directory: the option, `EXPTRACK_WANDB_DIR`, or `~/.exptrack/wandb`. */
export function resolveLedgerDir(dir: string | undefined): string {
  return dir || process.env.EXPTRACK_WANDB_DIR || join(homedir(), '.exptrack', 'wandb');
}

function safe(part: string): string {
  return encodeURIComponent(part).replace(/\./g, '%2E');
}

/** The file of one run's ledger; `host` keeps the runs of different W&B servers apart. */
export function ledgerPath(dir: string, host: string, entity: string, project: string, runId: string): string {
  return join(dir, safe(host), safe(entity), safe(project), `${safe(runId)}.json`);
}

/** The host (and port) of a base URL, as used in ledger paths. */
export function ledgerHost(baseUrl: string): string {
  return new URL(baseUrl).host;
}

/** How the ledger names an artifact version: `name:v<version>`. */
export function artifactKey(name: string, version: number): string {
  return `${name}:v${version}`;
}

/** How the ledger names an artifact use: `<source experiment>/<name>:v<version>`. */
export function useKey(use: { sourceExperimentId: string; name: string; version: number }): string {
  return `${use.sourceExperimentId}/${artifactKey(use.name, use.version)}`;
}

/**
 * W&B's id of an artifact version another run logged, from that run's ledger (written by the live
 * backend or a sync when W&B committed it); undefined when W&B is not known to have it.
 */
export async function committedArtifactId(dir: string, host: string, entity: string, project: string, runId: string, name: string, version: number): Promise<string | undefined> {
  const ledger = await readLedger(ledgerPath(dir, host, entity, project, runId));
  return ledger?.artifacts?.[artifactKey(name, version)]?.id;
}

/** A fresh ledger for a run W&B knows nothing about. */
export function emptyLedger(experimentId: string, runId: string, entity: string, project: string, createdAt: number | null = null): LedgerState {
  return { version: 1, experimentId, runId, entity, project, createdAt, upsert: null, lines: [], lastStep: null, summary: null, exitCode: null, undeliveredRows: 0, latePoints: 0, needsSync: false, lastError: null, updatedAt: 0 };
}

/** Reads a run's ledger; undefined when there is none or it cannot be read. */
export async function readLedger(file: string): Promise<LedgerState | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LedgerState>;
    if (parsed.version !== 1 || !Array.isArray(parsed.lines)) return undefined;
    return parsed as LedgerState;
  } catch {
    return undefined;
  }
}

/** Writes a run's ledger atomically (a temporary file, then a rename). */
export async function writeLedger(file: string, state: LedgerState): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, JSON.stringify({ ...state, updatedAt: Date.now() }));
  await rename(tmp, file);
}
