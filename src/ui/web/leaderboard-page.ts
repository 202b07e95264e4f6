/// <reference lib="dom" />
/**
 * The leaderboard of a benchmark (or a training metric): runs or groups ranked, with confidence
 * intervals drawn as error bars.
 * @module
 */
import type { LeaderboardResult } from 'exptrack/analysis';
import { api, ApiError } from './client.js';
import { fmt, fmtValue, formatEstimateParts, h, replace } from './dom.js';
import { costScatter, type CostPoint } from './cost-scatter.js';
import { errorBarChart } from './error-bars.js';
import { link, type Route } from './route.js';

interface Benchmarks {
  benchmarks: { benchmark: string; metrics: string[]; runs: number }[];
}

/**
 * Renders the leaderboard page.
 *
 * @param main - the page's container
 * @param route - the route (benchmark, metric, groupBy, filter in its query)
 * @returns a cleanup function
 * @example
 * ```ts
 * renderLeaderboard(main, parseRoute('#/leaderboard?benchmark=gsm8k'));
 * ```
 */
export function renderLeaderboard(main: HTMLElement, route: Route): () => void {
  const p = route.params;
  const state = { benchmark: p.get('benchmark') ?? '', metric: p.get('metric') ?? '', groupBy: p.get('groupBy') ?? 'none', filter: p.get('filter') ?? '', archived: p.get('archived') === '1' ? '1' : '' };
  const go = (changes: Partial<typeof state>) => (location.hash = link('leaderboard', '', { ...state, ...changes, groupBy: (changes.groupBy ?? state.groupBy) === 'none' ? '' : changes.groupBy ?? state.groupBy }));
  const controller = new AbortController();
  replace(main, h('h1', null, 'Leaderboard'), h('p', { class: 'muted' }, 'loading…'));
  void (async () => {
    let list: Benchmarks;
    try {
      list = await api<Benchmarks>('/api/benchmarks', {}, controller.signal);
    } catch (error) {
      if (!controller.signal.aborted) replace(main, h('h1', null, 'Leaderboard'), h('p', { class: 'error' }, (error as Error).message));
      return;
    }
    if (state.benchmark === '' && state.metric === '') state.benchmark = list.benchmarks[0]?.benchmark ?? '';
    const current = list.benchmarks.find((b) => b.benchmark === state.benchmark);
    const benchmarkSelect = h('select', { 'data-testid': 'lb-benchmark', onchange: () => go({ benchmark: benchmarkSelect.value, metric: '' }) }, h('option', { value: '' }, '(training metric)'), ...list.benchmarks.map((b) => h('option', { value: b.benchmark }, `${b.benchmark} (${b.runs} runs)`)));
    benchmarkSelect.value = state.benchmark;
    const metricInput = current
      ? h('select', null, ...current.metrics.map((m) => h('option', { value: m }, m)))
      : h('input', { type: 'text', placeholder: 'training metric, e.g. loss' });
    metricInput.value = state.metric || (current ? (current.metrics.includes('accuracy') ? 'accuracy' : current.metrics[0] ?? '') : '');
    const groupSelect = h('select', { 'data-testid': 'lb-group' }, h('option', { value: 'none' }, 'one row per run'), h('option', { value: 'group' }, 'aggregate by group'), h('option', { value: 'config' }, 'aggregate by config (seeds pooled)'));
    groupSelect.value = state.groupBy;
    const filterInput = h('input', { type: 'search', placeholder: 'filter (optional)', value: state.filter });
    filterInput.value = state.filter;
    const archivedBox = h('input', { type: 'checkbox', 'data-testid': 'lb-archived' });
    archivedBox.checked = state.archived === '1';
    const body = h('div', { 'data-testid': 'leaderboard' });
    replace(
      main,
      h('h1', null, 'Leaderboard'),
      h(
        'form',
        { class: 'toolbar', onsubmit: (e: Event) => { e.preventDefault(); go({ metric: metricInput.value, groupBy: groupSelect.value, filter: filterInput.value.trim(), archived: archivedBox.checked ? '1' : '' }); } },
        benchmarkSelect,
        metricInput,
        groupSelect,
        filterInput,
        h('label', { class: 'muted' }, archivedBox, ' with archived runs'),
        h('button', { type: 'submit' }, 'Show'),
      ),
      body,
    );
    if (state.benchmark === '' && metricInput.value === '') {
      replace(body, h('p', { class: 'muted' }, list.benchmarks.length === 0 ? 'no evaluations in this store: name a training metric' : 'choose a benchmark or name a training metric'));
      return;
    }
    let board: LeaderboardResult;
    try {
      board = await api<LeaderboardResult>('/api/leaderboard', { benchmark: state.benchmark, metric: metricInput.value, groupBy: state.groupBy, filter: state.filter, archived: state.archived || undefined }, controller.signal);
    } catch (error) {
      if (!controller.signal.aborted) replace(body, h('pre', { class: error instanceof ApiError && error.body.field === 'filter' ? 'filter-error' : 'error' }, (error as Error).message));
      return;
    }
    renderBoard(body, board);
  })();
  return () => controller.abort();
}

function renderBoard(body: HTMLElement, board: LeaderboardResult): void {
  const what = `${board.benchmark === null ? '' : `${board.benchmark} `}${board.metric}${board.value === null ? '' : ` (${board.value})`}`;
  const assumed = board.orderSource === 'assumed' ? ' (assumed: no goal is declared and the name does not say)' : '';
  const head = h('p', null, `${what}: ${board.order === 'desc' ? 'higher' : 'lower'} is better${assumed}; ${Math.round(board.confidence * 100)}% confidence intervals`);
  if (board.rows.length === 0) {
    replace(body, head, h('p', { class: 'muted' }, `no runs have ${what}`));
    return;
  }
  const estimateCells = (score: number, standardError: number | null) => formatEstimateParts(score, standardError).map((text) => h('td', { class: 'num' }, text));
  const withSd = ([score, se]: HTMLElement[], sd: number | null) => [score, h('td', { class: 'num' }, fmt(sd)), se];
  const ci = (x: [number, number] | null) => (x === null ? '–' : `[${fmt(x[0])}, ${fmt(x[1])}]`);
  // Dollars get columns, and a scatter of score against cost, when a listed row has them.
  const priced = (board.rows as Array<(typeof board.rows)[number]>).some((r) => r.cost['cost/usd'] !== undefined);
  const costHeads = priced ? ['GPU-h', 'cost', 'score/$'] : [];
  const costCells = (r: (typeof board.rows)[number]) =>
    priced ? [h('td', { class: 'num' }, fmt(r.cost['compute/gpu_hours'] ?? null)), h('td', { class: 'num' }, r.cost['cost/usd'] === undefined ? '–' : `$${fmt(r.cost['cost/usd'])}`), h('td', { class: 'num' }, fmt(r.scorePerDollar))] : [];
  let bars;
  let table;
  if (board.groupBy === 'none') {
    bars = board.rows.map((r) => ({ label: `${r.rank}. ${r.name}`, value: r.score, ci: r.ci }));
    table = h(
      'table',
      { class: 'grid' },
      h('thead', null, h('tr', null, ...['#', 'run', 'group', 'score', '± SE', 'CI', 'n', ...costHeads, ...board.columns].map((c) => h('th', null, c)))),
      h('tbody', null, ...board.rows.map((r) => h('tr', null, h('td', { class: 'num' }, r.rank), h('td', null, h('a', { href: link('e', r.id) }, r.name)), h('td', null, r.group ?? ''), ...estimateCells(r.score, r.standardError), h('td', null, ci(r.ci)), h('td', { class: 'num' }, fmt(r.n)), ...costCells(r), ...board.columns.map((k) => h('td', null, fmtValue(r.config[k])))))),
    );
  } else {
    bars = board.rows.map((r) => ({ label: `${r.rank}. ${r.label}`, value: r.score, ci: r.ci }));
    table = h(
      'table',
      { class: 'grid' },
      h('thead', null, h('tr', null, ...['#', board.groupBy === 'group' ? 'group' : 'config', 'runs', 'mean', 'sd', '± SE', 'CI', 'method', ...costHeads, ...board.columns].map((c) => h('th', null, c)))),
      h('tbody', null, ...board.rows.map((r) => h('tr', null, h('td', { class: 'num' }, r.rank), h('td', null, r.label), h('td', { class: 'num' }, r.runs), ...withSd(estimateCells(r.score, r.standardError), r.sd), h('td', null, ci(r.ci)), h('td', null, r.method), ...costCells(r), ...board.columns.map((k) => h('td', null, fmtValue(r.config[k])))))),
    );
  }
  const points: CostPoint[] = (board.rows as Array<(typeof board.rows)[number]>).flatMap((r) => {
    const usd = r.cost['cost/usd'];
    if (usd === undefined) return [];
    const runs = 'runs' in r ? r.runs : 1;
    return [{ label: 'id' in r ? r.name : r.label, score: r.score, cost: usd / runs, front: r.paretoOptimal }];
  });
  const scatter = points.length === 0 ? null : h('div', { 'data-testid': 'lb-cost' }, h('h2', null, `Score against cost${'runs' in (board.rows[0] ?? {}) ? ' (per run)' : ''}`), costScatter(points, board.order, 760));
  replace(body, head, h('div', { 'data-testid': 'lb-bars' }, errorBarChart(bars.slice(0, 50), 760)), scatter, table, ...board.excluded.slice(0, 20).map((x) => h('div', { class: 'muted small' }, `left out ${x.id}: ${x.reason}`)));
}
