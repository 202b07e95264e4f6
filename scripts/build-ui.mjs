// Builds the dashboard's front end (src/ui/web, with uPlot) into dist/ui/: index.html, app.js and
// app.css. Everything the page needs is in these files: nothing is fetched from the internet at run
// time. Usage: node scripts/build-ui.mjs [--outdir DIR]
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'src/ui/web');
const i = process.argv.indexOf('--outdir');
const outdir = i > 0 && process.argv[i + 1] ? resolve(process.argv[i + 1]) : join(root, 'dist/ui');

mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: { app: join(web, 'main.ts') },
  bundle: true,
  format: 'esm',
  target: ['es2022', 'chrome110', 'firefox110', 'safari16'],
  minify: true,
  legalComments: 'eof',
  outdir,
  logLevel: 'warning',
});
await build({
  entryPoints: { app: join(web, 'styles.css') },
  bundle: true,
  minify: true,
  outdir,
  logLevel: 'warning',
});
copyFileSync(join(web, 'index.html'), join(outdir, 'index.html'));
