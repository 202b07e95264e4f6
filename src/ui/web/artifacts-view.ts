/// <reference lib="dom" />
/**
 * The artifacts of a run: every version with its files as download links (served as attachments),
 * and lineage: the artifacts this run used, and the runs that used its artifacts.
 * @module
 */
import type { ArtifactLineage, ArtifactRecord, ArtifactUse } from 'exptrack';
import { fmtDate, h } from './dom.js';
import { link } from './route.js';

/** What `/api/experiments/:id/artifacts` answers. */
export interface ArtifactsAnswer {
  supported: boolean;
  artifacts: ArtifactRecord[];
  lineage: ArtifactLineage;
  media: Array<{ key: string; kind: 'image' | 'table' | 'histogram'; count: number }>;
}

/**
 * The download address of one file of an artifact version.
 *
 * @param id - the run
 * @param a - the version
 * @param file - the file of a directory artifact
 * @returns a same-origin path
 * @example
 * ```ts
 * downloadHref('exp_1', artifact); // '/api/experiments/exp_1/download?name=model&version=2'
 * ```
 */
export function downloadHref(id: string, a: ArtifactRecord, file?: string): string {
  const q = new URLSearchParams({ name: a.name, version: String(a.version) });
  if (file !== undefined) q.set('file', file);
  return `/api/experiments/${encodeURIComponent(id)}/download?${q.toString()}`;
}

function bytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/**
 * The artifacts card of a run page.
 *
 * @param id - the run
 * @param answer - its artifacts and lineage
 * @returns the section
 * @example
 * ```ts
 * main.append(artifactsSection(id, await api('/api/experiments/exp_1/artifacts')));
 * ```
 */
export function artifactsSection(id: string, answer: ArtifactsAnswer): HTMLElement {
  const { artifacts, lineage } = answer;
  const files = (a: ArtifactRecord) =>
    a.kind === 'file'
      ? h('a', { href: downloadHref(id, a), download: a.files[0]?.path ?? a.name, 'data-testid': 'artifact-download' }, 'download')
      : h('details', null, h('summary', null, `${a.files.length} files`), h('ul', { class: 'files' }, ...a.files.map((f) => h('li', null, h('a', { href: downloadHref(id, a, f.path), download: f.path.split('/').at(-1) ?? f.path }, f.path), h('span', { class: 'muted' }, ` ${bytes(f.size)}`)))));
  const use = (u: ArtifactUse, other: string) => h('li', null, h('span', { class: 'mono' }, `${u.name} v${u.version}`), ' · ', h('a', { href: link('e', other) }, other), h('span', { class: 'muted' }, ` ${fmtDate(u.usedAt)}`));
  return h(
    'section',
    { class: 'card wide', 'data-testid': 'artifacts' },
    h('h2', null, 'Artifacts'),
    artifacts.length === 0
      ? h('p', { class: 'muted' }, answer.supported ? 'no artifacts logged' : 'this store keeps no artifacts')
      : h(
          'table',
          { class: 'grid' },
          h('thead', null, h('tr', null, ...['name', 'version', 'type', 'size', 'digest', 'logged', 'files'].map((t) => h('th', null, t)))),
          h('tbody', null, ...artifacts.map((a) => h('tr', null, h('td', { class: 'mono' }, a.name), h('td', { class: 'num' }, `v${a.version}`), h('td', null, a.type ?? ''), h('td', { class: 'num' }, bytes(a.size)), h('td', { class: 'mono small', title: a.digest }, a.digest.slice(7, 19)), h('td', { class: 'nowrap' }, fmtDate(a.createdAt)), h('td', null, files(a))))),
        ),
    lineage.used.length + lineage.usedBy.length === 0
      ? null
      : h(
          'div',
          { class: 'lineage', 'data-testid': 'lineage' },
          lineage.used.length === 0 ? null : h('div', null, h('h3', null, 'Used (produced by)'), h('ul', null, ...lineage.used.map((u) => use(u, u.sourceExperimentId)))),
          lineage.usedBy.length === 0 ? null : h('div', null, h('h3', null, 'Used by'), h('ul', null, ...lineage.usedBy.map((u) => use(u, u.experimentId)))),
        ),
  );
}
