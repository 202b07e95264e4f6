/// <reference lib="dom" />
/**
 * The sweeps of the store, and one sweep: its trials as a parallel-coordinates plot, the parameter
 * importance as bars, the best trial and every trial in a table.
 * @module
 */
import type { SweepDetails } from '../../cli/sweep/sweep-details.js';
import type { SweepSummary } from '../../cli/sweep/list-sweeps.js';
import { api } from './client.js';
import { fmt, fmtDate, fmtValue, h, replace, svg } from './dom.js';
import { parallelCoordinates } from './parallel-coordinates.js';
import { link, type Route } from './route.js';

/**
 * Renders the list of sweeps.
 *
 * @param main - the page's container
 * @returns a cleanup function
 * @example
 * ```ts
 * renderSweeps(main);
 * ```
 */
export function renderSweeps(main: HTMLElement): () => void {
  const controller = new AbortController();
  replace(main, h('h1', null, 'Sweeps'), h('p', { class: 'muted' }, 'loading…'));
  void api<{ sweeps: SweepSummary[] }>('/api/sweeps', {}, controller.signal).then(
    ({ sweeps }) => {
      const states = (s: Record<string, number>) => Object.entries(s).map(([state, n]) => `${n} ${state}`).join(', ');
      replace(
        main,
        h('h1', null, 'Sweeps'),
        sweeps.length === 0
          ? h('p', { class: 'muted' }, 'no sweeps in this store: run one with `exptrack sweep --config sweep.json -- <command>`')
          : h(
              'div',
              { class: 'table-box' },
              h(
                'table',
                { class: 'grid sticky-first', 'data-testid': 'sweeps' },
                h('thead', null, h('tr', null, ...['sweep', 'created', 'metric', 'trials', 'states', 'best'].map((c) => h('th', null, c)))),
                h(
                  'tbody',
                  null,
                  ...sweeps.map((s) =>
                    h(
                      'tr',
                      null,
                      h('td', null, h('a', { href: link('sweeps', s.id), class: 'mono' }, s.id)),
                      h('td', { class: 'nowrap' }, fmtDate(s.createdAt)),
                      h('td', null, s.metric === null ? '–' : `${s.metric} ${s.direction === 'minimize' ? '↓' : s.direction === 'maximize' ? '↑' : ''}`),
                      h('td', { class: 'num' }, s.trials),
                      h('td', null, states(s.states)),
                      h('td', { class: 'num' }, fmt(s.best)),
                    ),
                  ),
                ),
              ),
            ),
      );
      main.dataset.ready = '1';
    },
    (error: Error) => {
      if (!controller.signal.aborted) replace(main, h('h1', null, 'Sweeps'), h('p', { class: 'error' }, error.message));
    },
  );
  return () => controller.abort();
}

/**
 * Renders one sweep.
 *
 * @param main - the page's container
 * @param route - the route (its arg is the sweep id)
 * @returns a cleanup function
 * @example
 * ```ts
 * renderSweep(main, parseRoute('#/sweeps/20261127_035501_a1b2c3'));
 * ```
 */
export function renderSweep(main: HTMLElement, route: Route): () => void {
  const controller = new AbortController();
  replace(main, h('h1', null, `Sweep ${route.arg}`), h('p', { class: 'muted' }, 'loading…'));
  void api<SweepDetails>(`/api/sweeps/${encodeURIComponent(route.arg)}`, {}, controller.signal).then(
    (s) => {
      const names = Object.keys(s.definition.space);
      const d = s.definition;
      replace(
        main,
        h('h1', null, `Sweep ${s.id}`),
        h('p', { class: 'muted' }, `${d.direction} ${d.metric} · ${d.sampler ?? 'tpe'}${d.multivariate ? ' (multivariate)' : ''} · seed ${d.seed} · ${s.trials.length} trials · `, h('a', { href: link('', '', { filter: `group = "${s.group}"` }) }, `its runs (group ${s.group})`)),
        s.best === null
          ? h('p', { class: 'muted' }, 'no trial completed yet')
          : h('p', { 'data-testid': 'best-trial' }, h('strong', null, `best: trial ${s.best.number}`), ` ${d.metric} ${fmt(s.best.value)} · ${names.map((n) => `${n}=${fmtValue(s.best?.params[n])}`).join(' · ')} · `, h('a', { href: link('e', s.best.experimentId) }, 'its run')),
        h('h2', null, 'Parameters and objective'),
        h('p', { class: 'muted small' }, `one line per trial, darker = better ${d.metric}; dashed = pruned or failed; hover a line for its values`),
        h('div', { class: 'card', 'data-testid': 'parallel' }, parallelCoordinates(names, d.metric, d.direction, s.trials, 1100)),
        h('h2', null, 'Parameter importance'),
        s.importance === null
          ? h('p', { class: 'muted' }, s.importanceNote ?? 'not available')
          : h('div', { 'data-testid': 'importance' }, importanceBars(s.importance), h('p', { class: 'muted small' }, `over ${s.importance[0]?.trials ?? 0} completed trials: |Spearman ρ| for numbers, η for choices; one parameter at a time, so interactions are missed`)),
        h('h2', null, 'Trials'),
        h(
          'div',
          { class: 'table-box' },
          h(
            'table',
            { class: 'grid sticky-first', 'data-testid': 'trials' },
            h('thead', null, h('tr', null, ...['trial', 'state', d.metric, ...names, 'run'].map((c) => h('th', null, c)))),
            h(
              'tbody',
              null,
              ...s.trials.map((t) =>
                h(
                  'tr',
                  null,
                  h('td', { class: 'num' }, t.number),
                  h('td', null, t.state),
                  h('td', { class: s.best?.number === t.number ? 'num best' : 'num' }, fmt(t.value)),
                  ...names.map((n) => h('td', { class: 'num' }, fmtValue(t.params[n]))),
                  h('td', null, h('a', { href: link('e', t.experimentId), class: 'mono' }, t.experimentId)),
                ),
              ),
            ),
          ),
        ),
      );
      main.dataset.ready = '1';
    },
    (error: Error) => {
      if (!controller.signal.aborted) replace(main, h('h1', null, `Sweep ${route.arg}`), h('p', { class: 'error' }, error.message));
    },
  );
  return () => controller.abort();
}

/** Horizontal bars of importance in [0, 1], most important first, with ρ's sign where it has one. */
function importanceBars(rows: NonNullable<SweepDetails['importance']>): SVGElement {
  const width = 640;
  const rowHeight = 26;
  const labelWidth = 180;
  const plot = width - labelWidth - 90;
  const root = svg('svg', { class: 'importance', width, height: rows.length * rowHeight + 8, viewBox: `0 0 ${width} ${rows.length * rowHeight + 8}`, role: 'img', 'aria-label': 'parameter importance' });
  rows.forEach((r, i) => {
    const y = i * rowHeight + 4;
    root.appendChild(svg('text', { x: labelWidth - 8, y: y + 15, 'text-anchor': 'end', class: 'label' }, r.name));
    root.appendChild(svg('rect', { x: labelWidth, y: y + 3, width: Math.max(1, r.importance * plot), height: rowHeight - 10, class: 'bar', 'data-param': r.name }));
    const sign = r.correlation === null ? '' : r.correlation >= 0 ? ' (ρ +)' : ' (ρ −)';
    root.appendChild(svg('text', { x: labelWidth + r.importance * plot + 6, y: y + 15, class: 'value' }, `${r.importance.toFixed(2)}${sign}`));
  });
  return root;
}
