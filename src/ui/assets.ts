/**
 * The dashboard's front end: the files the package build writes to `dist/ui/`, read into memory at
 * start. A request names a file by its exact name; anything else is a 404, so no path can reach a
 * file outside the assets (`..`, encoded slashes, absolute paths and NUL bytes never match a name).
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One served file. */
export interface Asset {
  body: Buffer;
  contentType: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Where the built front end is: next to the bundle that runs (`dist/ui/`), or, when the server runs
 * from the sources, the repository's `dist/ui/`.
 *
 * @returns the directory holding `index.html` and `app.js`
 * @throws Error naming the places looked at, when the front end has not been built
 * @example
 * ```ts
 * const dir = findAssetsDir(); // .../node_modules/exptrack/dist/ui
 * ```
 */
export function findAssetsDir(): string {
  const candidates = ['./ui/', '../ui/', '../../dist/ui/'].map((p) => fileURLToPath(new URL(p, import.meta.url)));
  for (const dir of candidates) if (existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'app.js'))) return dir;
  throw new Error(`the dashboard's front end is not built (looked in ${candidates.join(', ')}): run npm run build`);
}

/**
 * Reads the files of an assets directory (not its subdirectories) into memory.
 *
 * @param dir - the directory
 * @returns file name to content and type
 * @throws Error when the directory lacks `index.html`
 * @example
 * ```ts
 * const assets = loadAssets(findAssetsDir());
 * assets.get('app.js')?.contentType; // 'text/javascript; charset=utf-8'
 * ```
 */
export function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const type = TYPES[extname(name).toLowerCase()];
    if (type === undefined || !statSync(path).isFile()) continue;
    assets.set(name, { body: readFileSync(path), contentType: type });
  }
  if (!assets.has('index.html')) throw new Error(`${dir} has no index.html`);
  return assets;
}
