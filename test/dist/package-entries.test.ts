// Runs against the built package (dist/), as users get it: `npm test` builds first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; bin: Record<string, string> };
const subpaths = Object.keys(pkg.exports).filter((s) => s !== './package.json');
const entries = readdirSync(join(root, 'src/entries')).map((f) => `./${f.replace(/\.ts$/, '')}`);

// A user's project: node_modules/exptrack points at this package, so imports resolve through "exports".
const project = mkdtempSync(join(tmpdir(), 'exptrack-dist-'));
mkdirSync(join(project, 'node_modules'));
symlinkSync(root, join(project, 'node_modules', 'exptrack'), 'dir');
const requireFromProject = createRequire(join(project, 'index.js'));

// Drivers and SDKs stay external in dist/, so a bundle of a subpath takes them from node_modules.
const heavy = ['node_modules/better-sqlite3/', 'node_modules/pg/', 'node_modules/@wandb/sdk/'];
// Kysely is bundled into dist/ (it loads ten times faster as one file than as its 263 CommonJS
// files), so it is found by a string every copy of it holds: the kind of its SELECT query node.
const kysely = /["'`]SelectQueryNode["'`]/;

async function bundle(specifier: string, plugins: Plugin[] = []) {
  const entry = join(project, `entry-${specifier.replace(/\W/g, '-')}.mjs`);
  writeFileSync(entry, `import * as m from '${specifier}'; console.log(Object.keys(m).length);`);
  const result = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, minify: true, logLevel: 'silent', loader: { '.node': 'empty' }, plugins });
  const output = result.outputFiles[0]!;
  return { inputs: Object.keys(result.metafile.inputs), bytes: output.contents.length, hasKysely: kysely.test(output.text) };
}

describe('package files', () => {
  it('ships the examples the docs point to', () => {
    const [packed] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as [{ files: { path: string }[] }];
    const files = packed.files.map((f) => f.path);
    for (const example of readdirSync(join(root, 'examples'))) expect(files, example).toContain(`examples/${example}`);
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('bench/'))).toBe(false);
  });
});

describe('package entries', () => {
  it('every src/entries file is a subpath export, and every export has its built files', () => {
    expect([...subpaths].sort()).toEqual(['.', ...entries].sort());
    for (const subpath of subpaths) {
      const name = subpath === '.' ? 'index' : subpath.slice(2);
      for (const ext of ['js', 'cjs', 'd.ts', 'd.cts']) expect(existsSync(join(root, 'dist', `${name}.${ext}`)), `dist/${name}.${ext}`).toBe(true);
    }
  });

  it.each(subpaths)('%s loads through import() and require() with the same public names', async (subpath) => {
    const specifier = subpath === '.' ? 'exptrack' : `exptrack/${subpath.slice(2)}`;
    const esm = await import(requireFromProject.resolve(specifier).replace(/\.cjs$/, '.js'));
    const cjs = requireFromProject(specifier);
    expect(Object.keys(esm).sort()).toEqual(Object.keys(cjs).sort());
    expect(Object.keys(esm).length).toBeGreaterThan(0);
  });

  it('the bin is built with its shebang and stays out of exports', () => {
    const bin = join(root, pkg.bin.exptrack!);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    expect(JSON.stringify(pkg.exports)).not.toContain('cli/bin');
  });
});

describe('tree-shaking', () => {
  const light = subpaths.filter((s) => ['./memory', './analysis', './eval', './sweep'].includes(s));

  it.each(light)('%s bundles without any database driver, kysely or W&B, under 400 KiB', async (subpath) => {
    const { inputs, bytes, hasKysely } = await bundle(`exptrack/${subpath.slice(2)}`);
    expect(heavy.filter((h) => inputs.some((i) => i.includes(h)))).toEqual([]);
    expect(hasKysely).toBe(false);
    expect(bytes).toBeLessThan(400 * 1024);
  });

  it.each([
    // zod (validation of configs) is most of the root entry's size.
    ['exptrack/http', 40, `import { HttpBackend } from 'exptrack/http'; console.log(new HttpBackend({ url: 'http://127.0.0.1:5050' }).name);`],
    ['exptrack + exptrack/http', 600, `import { ExperimentTracker } from 'exptrack'; import { HttpBackend } from 'exptrack/http'; console.log(new ExperimentTracker({ backends: [new HttpBackend({ url: 'http://127.0.0.1:5050' })] }));`],
  ] as const)('%s bundles for the browser without any node: module, driver, kysely or W&B, under %i KiB', async (name, ceilingKiB, source) => {
    const entry = join(project, `entry-browser-${name.replace(/\W/g, '-')}.mjs`);
    writeFileSync(entry, source);
    const nodeImports: string[] = [];
    const watchNode: Plugin = {
      name: 'node-imports',
      setup(b) {
        b.onResolve({ filter: /^node:|^(fs|os|path|crypto|http|worker_threads|child_process)$/ }, (args) => {
          nodeImports.push(`${args.path} (${args.kind}) from ${args.importer}`);
          return { path: args.path, external: true };
        });
      },
    };
    const result = await build({ entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, minify: true, logLevel: 'silent', plugins: [watchNode] });
    const inputs = Object.keys(result.metafile.inputs);
    expect(nodeImports).toEqual([]);
    expect(heavy.filter((h) => inputs.some((i) => i.includes(h)))).toEqual([]);
    expect(kysely.test(result.outputFiles[0]!.text)).toBe(false);
    expect(result.outputFiles[0]!.contents.length).toBeLessThan(ceilingKiB * 1024);
  });

  it('the root entry reaches SQLite only through a dynamic import', async () => {
    const lazy: Plugin = {
      name: 'dynamic-imports-external',
      setup(b) {
        b.onResolve({ filter: /.*/ }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
      },
    };
    const { inputs, hasKysely } = await bundle('exptrack', [lazy]);
    expect(heavy.filter((h) => inputs.some((i) => i.includes(h)))).toEqual([]);
    expect(hasKysely).toBe(false);
  });

  it.each(['sqlite', 'postgres'])('exptrack/%s does bundle its driver and kysely (the checks above can fail)', async (name) => {
    const { inputs, hasKysely } = await bundle(`exptrack/${name}`);
    expect(inputs.some((i) => i.includes(name === 'sqlite' ? 'node_modules/better-sqlite3/' : 'node_modules/pg/'))).toBe(true);
    expect(hasKysely).toBe(true);
  });

  it('dist/ holds one copy of kysely per module format, shared by exptrack/sqlite and exptrack/postgres', () => {
    const files = readdirSync(join(root, 'dist')).filter((f) => /\.c?js$/.test(f));
    const withKysely = files.filter((f) => kysely.test(readFileSync(join(root, 'dist', f), 'utf8')));
    expect(withKysely.filter((f) => f.endsWith('.js'))).toHaveLength(1);
    expect(withKysely.filter((f) => f.endsWith('.cjs'))).toHaveLength(1);
  });
});
