/**
 * The installed versions of the dependencies a project declares, read once per process.
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface Manifest {
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
  version?: unknown;
}

/** Parsed package.json files by absolute path; null when the file is missing or unreadable. */
const manifestCache = new Map<string, Manifest | null>();
/** The nearest package.json found from each directory asked about. */
const nearestCache = new Map<string, string | null>();

function readManifest(path: string): Manifest | null {
  const cached = manifestCache.get(path);
  if (cached !== undefined || manifestCache.has(path)) return cached ?? null;
  let manifest: Manifest | null = null;
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) manifest = parsed as Manifest;
  } catch {
    manifest = null;
  }
  manifestCache.set(path, manifest);
  return manifest;
}

/**
 * The path of the nearest package.json at or above `dir`, or null when there is none.
 *
 * @param dir - An absolute directory.
 * @returns The absolute path of the package.json, or null.
 *
 * @example
 * ```ts
 * findNearestManifest('/repo/src/train'); // '/repo/package.json'
 * ```
 */
export function findNearestManifest(dir: string): string | null {
  const cached = nearestCache.get(dir);
  if (cached !== undefined) return cached;
  let current = dir;
  let found: string | null = null;
  for (;;) {
    const candidate = join(current, 'package.json');
    if (readManifest(candidate) !== null) {
      found = candidate;
      break;
    }
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  nearestCache.set(dir, found);
  return found;
}

/** The installed version of `name`, looked up in `node_modules` from `dir` upward, as Node resolves. */
function installedVersion(dir: string, name: string): string | null {
  let current = dir;
  for (;;) {
    const manifest = readManifest(join(current, 'node_modules', name, 'package.json'));
    if (manifest !== null && typeof manifest.version === 'string') return manifest.version;
    const parent = dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

/**
 * The versions of the packages named in the nearest package.json (dependencies and devDependencies):
 * the installed version from `node_modules/<name>/package.json`, or `declared:<range>` when the
 * package is not installed. Files are read once per process and cached.
 *
 * @param cwd - The absolute directory to start the search from.
 * @returns Package name to version, keys sorted; empty when there is no package.json.
 *
 * @example
 * ```ts
 * packageVersions('/repo'); // { typescript: '5.9.3', zod: '4.6.7', leftpad: 'declared:^1.0.0' }
 * ```
 */
export function packageVersions(cwd: string): Record<string, string> {
  const manifestPath = findNearestManifest(cwd);
  if (manifestPath === null) return {};
  const manifest = readManifest(manifestPath);
  const declared: Record<string, string> = {};
  for (const group of [manifest?.devDependencies, manifest?.dependencies]) {
    if (typeof group !== 'object' || group === null) continue;
    for (const [name, range] of Object.entries(group)) declared[name] = typeof range === 'string' ? range : String(range);
  }
  const root = dirname(manifestPath);
  const out: Record<string, string> = {};
  for (const name of Object.keys(declared).sort()) {
    out[name] = installedVersion(root, name) ?? `declared:${declared[name] ?? ''}`;
  }
  return out;
}

/**
 * Forgets every package.json read so far, so the next capture reads the files again.
 *
 * @example
 * ```ts
 * clearPackageVersionCache();
 * ```
 */
export function clearPackageVersionCache(): void {
  manifestCache.clear();
  nearestCache.clear();
}
