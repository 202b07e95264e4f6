import { createRequire } from 'node:module';

/**
 * The installed exptrack's version, or `unknown`.
 *
 * @returns the `version` of exptrack's package.json
 * @example
 * ```ts
 * packageVersion(); // '0.1.0'
 * ```
 */
export function packageVersion(): string {
  try {
    return (createRequire(import.meta.url)('exptrack/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
