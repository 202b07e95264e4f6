/// <reference lib="dom" />
/**
 * One experiment: config, git and environment, tags and notes (editable with `--allow-edit`),
 * checkpoints, evaluations with error bars, and a chart of every training metric, refreshed every
 * two seconds while the run is still logging.
 * @module
 */
import type { CheckpointRecord, EvaluationRecord, Experiment, JsonValue, MetricSummary } from 'exptrack';
import { api, post } from './client.js';
import { MetricChart, PALETTE, type CurveData } from './chart.js';
import { append, fmt, fmtDate, fmtDuration, fmtValue, formatBytes, formatEstimateParts, h, replace } from './dom.js';
import type { EvaluationInterval } from '../api.js';
import { errorBarChart } from './error-bars.js';
import { link, type Route } from './route.js';
import { artifactsSection, type ArtifactsAnswer } from './artifacts-view.js';
import { mediaSection } from './media-view.js';

type Evaluation = EvaluationRecord & { interval: EvaluationInterval | null };

interface Details {
  experiment: Experiment;
  metrics: MetricSummary[];
  evaluations: Evaluation[];
  checkpoints: CheckpointRecord[];
}

/** Chart settings shared by the pages. */
export interface ChartSettings {
  logScale: boolean;
  smoothing: number;
}

const LIVE_MS = 2000;

/**
 * Flattens a config to dotted keys: `{ optimizer: { name: 'adam' } }` → `optimizer.name`.
 *
 * @param value - the config
 * @param prefix - the key so far
 * @param out - where the pairs go
 * @returns the pairs
 * @example
 * ```ts
 * flatten({ a: { b: 1 } }); // [['a.b', 1]]
 * ```
 */
export function flatten(value: Record<string, JsonValue | undefined>, prefix = '', out: [string, JsonValue | undefined][] = []): [string, JsonValue | undefined][] {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) flatten(v, key, out);
    else out.push([key, v]);
  }
  return out;
}

/**
 * The controls of log scale and smoothing.
 *
 * @param settings - the current settings (changed in place)
 * @param onChange - called after a change
 * @returns the controls
 * @example
 * ```ts
 * chartControls(settings, () => charts.forEach((c) => c.update(settings)));
 * ```
 */
export function chartControls(settings: ChartSettings, onChange: () => void): HTMLElement {
  const log = h('input', { type: 'checkbox', 'data-testid': 'log-scale', onchange: () => { settings.logScale = log.checked; onChange(); } });
  log.checked = settings.logScale;
  const label = h('span', { class: 'mono' }, settings.smoothing.toFixed(2));
  let timer: ReturnType<typeof setTimeout> | undefined;
  const smooth = h('input', {
    type: 'range', min: 0, max: 0.99, step: 0.01, value: settings.smoothing, 'data-testid': 'smoothing',
    oninput: () => {
      settings.smoothing = Number(smooth.value);
      label.textContent = settings.smoothing.toFixed(2);
      clearTimeout(timer);
      timer = setTimeout(onChange, 150);
    },
  });
  return h('div', { class: 'toolbar chart-controls' }, h('label', null, log, ' log scale'), h('label', null, 'smoothing ', smooth, ' ', label), h('span', { class: 'muted' }, 'drag on a chart to zoom, double-click to zoom out, hover for values'));
}

/**
 * Fetches one metric of one run, downsampled to the chart's width.
 *
 * @param id - the experiment
 * @param key - the metric
 * @returns a fetch function for {@link MetricChart}
 * @example
 * ```ts
 * const fetchLoss = metricFetcher('exp_1', 'loss');
 * ```
 */
export function metricFetcher(id: string, key: string) {
  return (r: { points: number; from?: number; to?: number; smoothing: number }) =>
    api<CurveData>(`/api/experiments/${encodeURIComponent(id)}/metric`, { key, points: r.points, from: r.from, to: r.to, smoothing: r.smoothing || undefined });
}

/**
 * Renders an experiment's page.
 *
 * @param main - the page's container
 * @param route - the route (its arg is the id)
 * @param allowEdit - resolves to whether tags and notes can be edited
 * @returns a cleanup function
 * @example
 * ```ts
 * renderExperiment(main, parseRoute('#/e/exp_1'), Promise.resolve(false));
 * ```
 */
export function renderExperiment(main: HTMLElement, route: Route, allowEditInfo: Promise<boolean>): () => void {
  const id = route.arg;
  const charts = new Map<string, MetricChart>();
  const settings: ChartSettings = { logScale: route.params.get('log') === '1', smoothing: Number(route.params.get('smoothing') ?? 0) || 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  replace(main, h('p', { class: 'muted' }, 'loading…'));

  const head = h('div');
  const info = h('div', { class: 'cards' });
  const evals = h('section');
  const outputs = h('div');
  const chartsBox = h('div', { class: 'charts', 'data-testid': 'charts' });
  // System series (`system/…`) and the run's compute and cost get a section of their own.
  const systemCost = h('div');
  const systemBox = h('div', { class: 'charts', 'data-testid': 'system-charts' });
  const system = h('section', { 'data-testid': 'system' }, h('h2', null, 'System'), systemCost, systemBox);
  const controls = chartControls(settings, () => charts.forEach((c) => void c.update(settings)));

  const load = async (first: boolean) => {
    let d: Details;
    let allowEdit: boolean;
    try {
      [d, allowEdit] = await Promise.all([api<Details>(`/api/experiments/${encodeURIComponent(id)}`), allowEditInfo]);
    } catch (error) {
      if (first) replace(main, h('h1', null, 'Experiment'), h('p', { class: 'error' }, (error as Error).message));
      return;
    }
    if (stopped) return;
    // What a reader came for first: the curves (with the machine's System charts next to them) and the scores; then the record of how the run was made, and what it produced.
    if (first) {
      replace(main, head, h('section', { 'data-testid': 'training' }, h('h2', null, 'Training metrics'), controls, chartsBox), system, evals, info, outputs);
      void loadOutputs(outputs, d.experiment.id);
    }
    renderHead(head, d, allowEdit, () => void load(false));
    if (first || d.experiment.status === 'running') renderInfo(info, d, allowEdit, () => void load(false));
    renderEvaluations(evals, d.evaluations);
    const isSystem = (key: string) => key.startsWith('system/');
    const compute = Object.entries(d.experiment.summary).filter(([k]) => /^(compute|cost|tokens)\//.test(k));
    replace(systemCost, compute.length === 0 ? null : table(compute));
    system.hidden = compute.length === 0 && !d.metrics.some((m) => isSystem(m.key));
    if (!d.metrics.some((m) => !isSystem(m.key)) && ![...charts.keys()].some((k) => !isSystem(k))) replace(chartsBox, h('p', { class: 'muted' }, 'no training metrics logged'));
    for (const [i, m] of d.metrics.entries()) {
      const existing = charts.get(m.key);
      if (existing !== undefined) {
        if (!first) void existing.load();
        continue;
      }
      const box = isSystem(m.key) ? systemBox : chartsBox;
      if (![...charts.keys()].some((k) => isSystem(k) === isSystem(m.key))) box.replaceChildren();
      const chart = new MetricChart(box, { title: m.key, sources: [{ label: m.key, color: PALETTE[i % PALETTE.length] as string, fetch: metricFetcher(d.experiment.id, m.key) }], ...settings, showRaw: true });
      charts.set(m.key, chart);
      void chart.load();
    }
    if (d.experiment.status === 'running' && !stopped) timer = setTimeout(() => void load(false), LIVE_MS);
  };
  void load(true);
  return () => {
    stopped = true;
    clearTimeout(timer);
    charts.forEach((c) => c.destroy());
  };
}

/** The artifacts card and the media section, loaded once with the page. */
async function loadOutputs(box: HTMLElement, id: string): Promise<void> {
  try {
    const answer = await api<ArtifactsAnswer>(`/api/experiments/${encodeURIComponent(id)}/artifacts`);
    replace(box, h('div', { class: 'cards' }, artifactsSection(id, answer)), mediaSection(id, answer.media));
  } catch (error) {
    replace(box, h('p', { class: 'error' }, (error as Error).message));
  }
}

function renderHead(head: HTMLElement, d: Details, allowEdit: boolean, reload: () => void): void {
  const e = d.experiment;
  const end = e.endedAt ?? (e.status === 'running' ? Date.now() : e.heartbeatAt ?? e.createdAt);
  const archived = e.tags['archived'] !== undefined;
  replace(
    head,
    h(
      'h1',
      null,
      e.name,
      ' ',
      h('span', { class: `status status-${e.status}`, 'data-testid': 'status' }, e.status),
      archived ? h('span', { class: 'tag archived', 'data-testid': 'archived' }, 'archived') : null,
      e.status === 'running' ? h('span', { class: 'live' }, ' ● live') : null,
    ),
    allowEdit ? runActions(e, archived, reload) : null,
    h('div', { class: 'muted' }, h('span', { class: 'mono' }, e.id), ` · group ${e.group ?? '–'} · started ${fmtDate(e.createdAt)} · ${fmtDuration(end - e.createdAt)}`),
    e.error === null ? null : h('pre', { class: 'error' }, e.error.message),
  );
}

function table(rows: [string, unknown][]): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'muted' }, 'none');
  return h('table', { class: 'kv' }, h('tbody', null, ...rows.map(([k, v]) => h('tr', null, h('th', null, k), h('td', null, fmtValue(v))))));
}

function renderInfo(info: HTMLElement, d: Details, allowEdit: boolean, reload: () => void): void {
  const e = d.experiment;
  const card = (title: string, ...body: (Node | null)[]) => h('section', { class: 'card' }, h('h2', null, title), ...body);
  const git = e.git;
  const env = e.environment;
  replace(
    info,
    card('Config', table(flatten(e.config))),
    card(
      'Git',
      git === null
        ? h('p', { class: 'muted' }, 'not recorded')
        : table([
            ['commit', git.commit],
            ['branch', git.branch ?? '(detached)'],
            ['dirty', git.dirty ? `yes: ${git.changedFiles.slice(0, 8).join(', ')}${git.changedFiles.length > 8 ? ` and ${git.changedFiles.length - 8} more` : ''}` : 'no'],
            ['untracked files', git.untrackedCount],
            ['remote', git.remoteUrl ?? '–'],
          ]),
    ),
    env === null
      ? card('Environment', h('p', { class: 'muted' }, 'not recorded'))
      : foldedCard(
          'Environment',
          `${env.nodeVersion} · ${env.platform} ${env.arch} · ${env.hostname} · ${Object.keys(env.packages).length} packages`,
          table([
            ['command', env.argv.join(' ')],
            ['cwd', env.cwd],
            ['node', env.nodeVersion],
            ['platform', `${env.platform} ${env.osRelease} ${env.arch}`],
            ['cpu', `${env.cpuCount} × ${env.cpuModel}`],
            ['memory', formatBytes(env.totalMemoryBytes)],
            ['host', env.hostname],
            ...Object.entries(env.packages).map(([k, v]): [string, string] => [`package ${k}`, v]),
          ]),
        ),
    card('Tags', tagsView(e, allowEdit, reload)),
    card('Notes', notesView(e, allowEdit, reload)),
    card(
      'Summary',
      table(Object.entries(e.summary)),
    ),
    h('section', { class: 'card wide' }, h('h2', null, 'Checkpoints'),
      d.checkpoints.length === 0
        ? h('p', { class: 'muted' }, 'none')
        : h(
            'table',
            { class: 'grid' },
            h('thead', null, h('tr', null, h('th', null, 'step'), h('th', null, 'path'), h('th', null, 'size'), h('th', null, 'sha256'), h('th', null, 'metrics'))),
            h(
              'tbody',
              null,
              ...d.checkpoints.map((c) =>
                h('tr', null, h('td', { class: 'num' }, c.step ?? '–'), h('td', { class: 'mono' }, c.path), h('td', { class: 'num' }, formatBytes(c.sizeBytes)), h('td', { class: 'mono' }, c.sha256.slice(0, 12)), h('td', null, Object.entries(c.metrics).map(([k, v]) => `${k}=${fmt(v)}`).join(' '))),
              ),
            ),
          ),
    ),
  );
}

/** Archive (or bring back) and delete, for a dashboard started with --allow-edit. */
function runActions(e: Experiment, archived: boolean, reload: () => void): HTMLElement {
  const message = h('span', { class: 'error' });
  const fail = (err: Error) => (message.textContent = err.message);
  const path = `/api/experiments/${encodeURIComponent(e.id)}`;
  return h(
    'div',
    { class: 'toolbar run-actions' },
    h('button', { type: 'button', 'data-testid': 'archive', onclick: () => void post(`${path}/archive`, { archived: !archived }).then(reload, fail) }, archived ? 'Unarchive' : 'Archive'),
    h(
      'button',
      {
        type: 'button',
        class: 'danger',
        'data-testid': 'delete',
        onclick: () => {
          if (!confirm(`Delete ${e.name} (${e.id}) and everything logged to it? This cannot be undone.`)) return;
          void post(`${path}/delete`, { confirm: e.id }).then(() => (location.hash = link('', '')), fail);
        },
      },
      'Delete…',
    ),
    message,
  );
}

/** A card folded to one line (its title and a summary) until the reader opens it. */
function foldedCard(title: string, summary: string, body: Node): HTMLElement {
  return h('details', { class: 'card folded', 'data-testid': `fold-${title.toLowerCase()}` }, h('summary', null, h('h2', null, title), h('span', { class: 'muted small' }, summary)), body);
}

function tagsView(e: Experiment, allowEdit: boolean, reload: () => void): HTMLElement {
  const box = h('div', { 'data-testid': 'tags' });
  const entries = Object.entries(e.tags);
  append(
    box,
    entries.length === 0 ? h('p', { class: 'muted' }, 'no tags') : null,
    ...entries.map(([k, v]) =>
      h(
        'span',
        { class: 'tag' },
        v === '' ? k : `${k}=${v}`,
        allowEdit ? h('button', { type: 'button', class: 'link', title: `remove ${k}`, onclick: () => void post(`/api/experiments/${encodeURIComponent(e.id)}/tags`, { remove: [k] }).then(reload, (err: Error) => alert(err.message)) }, '×') : null,
      ),
    ),
  );
  if (allowEdit) {
    const input = h('input', { type: 'text', placeholder: 'key=value', 'data-testid': 'tag-input' });
    const message = h('span', { class: 'error' });
    append(
      box,
      h(
        'form',
        {
          class: 'toolbar',
          onsubmit: (ev: Event) => {
            ev.preventDefault();
            const text = input.value.trim();
            const eq = text.indexOf('=');
            const key = eq < 0 ? text : text.slice(0, eq);
            post(`/api/experiments/${encodeURIComponent(e.id)}/tags`, { set: { [key]: eq < 0 ? '' : text.slice(eq + 1) } }).then(reload, (err: Error) => (message.textContent = err.message));
          },
        },
        input,
        h('button', { type: 'submit' }, 'Add tag'),
        message,
      ),
    );
  }
  return box;
}

function notesView(e: Experiment, allowEdit: boolean, reload: () => void): HTMLElement {
  if (!allowEdit) return h('pre', { class: 'notes', 'data-testid': 'notes' }, e.notes === '' ? '(none)' : e.notes);
  const area = h('textarea', { rows: 4, 'data-testid': 'notes-input' });
  area.value = e.notes;
  const message = h('span', { class: 'muted' });
  return h(
    'form',
    {
      onsubmit: (ev: Event) => {
        ev.preventDefault();
        post(`/api/experiments/${encodeURIComponent(e.id)}/notes`, { notes: area.value }).then(
          () => {
            message.textContent = 'saved';
            reload();
          },
          (err: Error) => (message.textContent = err.message),
        );
      },
    },
    area,
    h('div', null, h('button', { type: 'submit' }, 'Save notes'), ' ', message),
  );
}

function renderEvaluations(box: HTMLElement, evaluations: Evaluation[]): void {
  if (evaluations.length === 0) {
    replace(box);
    return;
  }
  const bars = evaluations.flatMap((r) => {
    const i = r.interval;
    const value = i === null ? undefined : r.metrics[i.metric];
    return i === null || value === undefined ? [] : [{ label: `${r.benchmark}/${i.metric}${r.step === null ? '' : ` @${r.step}`}`, value, ci: [i.lower, i.upper] as [number, number] }];
  });
  replace(
    box,
    h('h2', null, 'Evaluations'),
    bars.length > 0 ? h('div', { 'data-testid': 'eval-bars' }, errorBarChart(bars, 720)) : null,
    h(
      'table',
      { class: 'grid' },
      h('thead', null, h('tr', null, h('th', null, 'benchmark'), h('th', null, 'step'), h('th', null, 'samples'), h('th', null, 'metrics'), h('th', null, '95% interval'), h('th', null, 'logged'))),
      h(
        'tbody',
        null,
        ...evaluations.map((r) =>
          h(
            'tr',
            null,
            h('td', null, r.benchmark),
            h('td', { class: 'num' }, r.step ?? '–'),
            h('td', { class: 'num' }, r.sampleCount),
            h('td', null, evaluationMetricsText(r.metrics)),
            h('td', null, r.interval === null ? '–' : `[${fmt(r.interval.lower)}, ${fmt(r.interval.upper)}] (${r.interval.method})`),
            h('td', { class: 'nowrap' }, fmtDate(r.createdAt)),
          ),
        ),
      ),
    ),
    h('p', null, h('a', { href: link('leaderboard', '', { benchmark: evaluations[0]?.benchmark }) }, 'leaderboard of this benchmark →')),
  );
}

/** An evaluation's metrics as `accuracy=0.630 ± 0.028  n_samples=400`: a metric and its `_stderr` at matching precision. */
function evaluationMetricsText(metrics: Record<string, number>): string {
  return Object.entries(metrics)
    .filter(([k]) => !(k.endsWith('_stderr') && metrics[k.slice(0, -'_stderr'.length)] !== undefined))
    .map(([k, v]) => {
      const se = metrics[`${k}_stderr`];
      if (se === undefined) return `${k}=${fmt(v)}`;
      const [value, error] = formatEstimateParts(v, se);
      return `${k}=${value} ± ${error}`;
    })
    .join('  ');
}

