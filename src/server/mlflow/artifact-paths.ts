/**
 * Where MLflow's artifact proxy puts a run's files: `<experiment>/<run>/artifacts/<path>`, and how a
 * run's exptrack artifacts look as files: a file artifact is the file named like the artifact, a
 * directory artifact a directory of its files (the latest version of each name).
 * @module
 */
import type { ArtifactRecord } from 'exptrack';
import { invalidValue } from './mlflow-error.js';

/** A proxied artifact path split into the run and the path inside the run's artifacts. */
export interface RunArtifactPath {
  runId: string;
  /** Posix path inside the run's artifacts; '' is the root. */
  path: string;
}

/**
 * Reads `<experiment>/<run>/artifacts[/<path>]`.
 *
 * @throws MlflowError 400 for another shape, an empty segment, `.` or `..`
 */
export function runArtifactPath(full: string): RunArtifactPath {
  const parts = full.split('/').filter((p, i, all) => !(p === '' && i === all.length - 1));
  if (parts.length < 3 || parts[2] !== 'artifacts' || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))) {
    throw invalidValue(`Invalid artifact path '${full.slice(0, 300)}': expected <experiment_id>/<run_id>/artifacts/<path>`);
  }
  return { runId: parts[1]!, path: parts.slice(3).join('/') };
}

/** Every file of a run's artifacts, by path: the artifact (latest version) and the file inside it. */
export function artifactFiles(records: readonly ArtifactRecord[]): Map<string, { record: ArtifactRecord; file: string; size: number }> {
  const latest = new Map<string, ArtifactRecord>();
  for (const record of records) if ((latest.get(record.name)?.version ?? 0) < record.version) latest.set(record.name, record);
  const files = new Map<string, { record: ArtifactRecord; file: string; size: number }>();
  for (const record of latest.values()) {
    for (const file of record.files) {
      const path = record.kind === 'file' ? record.name : `${record.name}/${file.path}`;
      files.set(path, { record, file: file.path, size: file.size });
    }
  }
  return files;
}

/** The entries directly under a directory, as MLflow lists them (names relative to the directory). */
export function listDirectory(files: Iterable<string>, sizes: (path: string) => number, directory: string): Array<{ path: string; is_dir: boolean; file_size?: number }> {
  const prefix = directory === '' ? '' : `${directory}/`;
  const entries = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
  for (const path of files) {
    if (!path.startsWith(prefix)) continue;
    const rest = path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash === -1) entries.set(rest, { path: rest, is_dir: false, file_size: sizes(path) });
    else entries.set(rest.slice(0, slash), { path: rest.slice(0, slash), is_dir: true });
  }
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
