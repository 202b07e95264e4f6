/// <reference lib="dom" />
/**
 * The dashboard's page script: a hash router over its pages.
 * @module
 */
import { api } from './client.js';
import { h, replace } from './dom.js';
import { renderCompare } from './compare-page.js';
import { renderExperiment } from './experiment-page.js';
import { renderExperiments } from './experiments-page.js';
import { renderLeaderboard } from './leaderboard-page.js';
import { renderSweep, renderSweeps } from './sweep-page.js';
import { link, parseRoute } from './route.js';

interface Info {
  version: string;
  allowEdit: boolean;
  backend: string;
}

function start(): void {
  const main = document.getElementById('main') as HTMLElement;
  const nav = document.getElementById('nav') as HTMLElement;
  // The first page does not wait for the info: only the experiment page needs it (to allow edits).
  const info = api<Info>('/api/info');
  info.then(
    (i) =>
      replace(
        nav,
        h('a', { href: link(''), class: 'brand' }, 'exptrack'),
        h('a', { href: link(''), 'data-nav': 'experiments' }, 'Experiments'),
        h('a', { href: link('leaderboard'), 'data-nav': 'leaderboard' }, 'Leaderboard'),
        h('a', { href: link('sweeps'), 'data-nav': 'sweeps' }, 'Sweeps'),
        h('span', { class: 'muted small' }, `${i.backend} · v${i.version}${i.allowEdit ? ' · editing allowed' : ' · read-only'}`),
      ),
    (error: Error) => replace(main, h('p', { class: 'error' }, `the dashboard's server did not answer: ${error.message}`)),
  );
  replace(nav, h('a', { href: link(''), class: 'brand' }, 'exptrack'), h('a', { href: link(''), 'data-nav': 'experiments' }, 'Experiments'), h('a', { href: link('leaderboard'), 'data-nav': 'leaderboard' }, 'Leaderboard'), h('a', { href: link('sweeps'), 'data-nav': 'sweeps' }, 'Sweeps'));
  let cleanup: () => void = () => undefined;
  const show = () => {
    cleanup();
    const route = parseRoute(location.hash);
    for (const a of Array.from(nav.querySelectorAll<HTMLElement>('[data-nav]'))) a.classList.toggle('active', a.dataset.nav === route.page || (a.dataset.nav === 'sweeps' && route.page === 'sweep'));
    delete main.dataset.ready;
    if (route.page === 'experiment') cleanup = renderExperiment(main, route, info.then((i) => i.allowEdit, () => false));
    else if (route.page === 'compare') cleanup = renderCompare(main, route);
    else if (route.page === 'leaderboard') cleanup = renderLeaderboard(main, route);
    else if (route.page === 'sweeps') cleanup = renderSweeps(main);
    else if (route.page === 'sweep') cleanup = renderSweep(main, route);
    else cleanup = renderExperiments(main, route);
    window.scrollTo(0, 0);
  };
  window.addEventListener('hashchange', show);
  show();
}

start();
