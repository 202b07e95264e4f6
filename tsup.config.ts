import { copyFile, mkdir } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { defineConfig } from 'tsup';

// One build entry per public subpath: src/index.ts is `exptrack`, src/entries/<name>.ts is `exptrack/<name>`.
const subpaths = readdirSync('src/entries').filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'cli/bin': 'src/cli/bin.ts',
      // Internal: the SQLite write thread, loaded by path from the module that starts it.
      'sqlite-write-worker': 'src/backends/sqlite/write-worker.ts',
      // Internal: the Postgres write thread, loaded the same way.
      'postgres-write-worker': 'src/backends/postgres/write-worker.ts',
      // Internal: a SQLite read thread (long metric outlines), loaded the same way.
      'sqlite-read-worker': 'src/backends/sqlite/read-worker.ts',
      ...Object.fromEntries(subpaths.map((s) => [s, `src/entries/${s}.ts`])),
    },
    format: ['esm', 'cjs'],
    dts: true,
    splitting: true,
    treeshake: true,
    sourcemap: false,
    clean: true,
    target: 'node20',
    shims: true, // import.meta.url in the CommonJS build
    // Subpaths import each other by the package's own name, so one class has one copy at run time.
    external: [/^exptrack(\/.*)?$/],
    // Kysely goes into dist/, in one chunk per format that exptrack/sqlite and exptrack/postgres
    // share: as one file it loads in about 15 ms, as its 263 CommonJS files in about 130 ms, which
    // was most of what a CLI command cost. No public type mentions it, so it is a dev dependency
    // (which tsup would bundle anyway; said here so that it stays bundled). Its licence ships beside it.
    noExternal: ['kysely'],
    async onSuccess() {
      await mkdir('dist/licenses', { recursive: true });
      await copyFile('node_modules/kysely/LICENSE', 'dist/licenses/kysely.txt');
    },
  },
]);
