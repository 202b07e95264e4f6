import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));
const subpaths = readdirSync(src('entries')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));

// Tests import exptrack by its public names; these resolve to the sources (test/dist/ checks the build).
export default defineConfig({
  resolve: {
    alias: [
      ...subpaths.map((s) => ({ find: new RegExp(`^exptrack/${s}$`), replacement: src(`entries/${s}.ts`) })),
      { find: /^exptrack$/, replacement: src('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Most test time is spent waiting on child processes, servers and Postgres: two workers even on
    // two cores (vitest's default there is one). With two, the suite took 457 s on 2 cores; its
    // files' own times add up to 797 s, about what one worker would take.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    setupFiles: ['test/setup/fail-on-console.ts'],
    globalSetup: ['test/setup/temp-root.ts'],
  },
});
