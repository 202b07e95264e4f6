/// <reference lib="dom" />
/**
 * The dashboard's page script: a hash router over the four pages.
 * @module
 */
import { api } from './client.js';
import { h, replace } from './dom.js';
import { renderCompare } from './compare-page.js';
import { renderExperiment } from './experiment-page.js';
import { renderExperiments } from './experiments-page.js';
import { renderLeaderboard } from './leaderboard-page.js';
import { link, parseRoute } from './route.js';

interface Info {
  version: string;
  allowEdit: boolean;
  backend: string;
}

async function start(): Promise<void> {
  const main = document.getElementById('main') as HTMLElement;
  const nav = document.getElementById('nav') as HTMLElement;
  let info: Info = { version: '', allowEdit: false, backend: '' };
  try {
    info = await api<Info>('/api/info');
  } catch (error) {
    replace(main, h('p', { class: 'error' }, `the dashboard's server did not answer: ${(error as Error).message}`));
    return;
  }
  replace(
    nav,
    h('a', { href: link(''), class: 'brand' }, 'exptrack'),
    h('a', { href: link(''), 'data-nav': 'experiments' }, 'Experiments'),
    h('a', { href: link('leaderboard'), 'data-nav': 'leaderboard' }, 'Leaderboard'),
    h('span', { class: 'muted small' }, `${info.backend} · v${info.version}${info.allowEdit ? ' · editing allowed' : ' · read-only'}`),
  );
  let cleanup: () => void = () => undefined;
  const show = () => {
    cleanup();
    const route = parseRoute(location.hash);
    for (const a of Array.from(nav.querySelectorAll<HTMLElement>('[data-nav]'))) a.classList.toggle('active', a.dataset.nav === route.page);
    delete main.dataset.ready;
    if (route.page === 'experiment') cleanup = renderExperiment(main, route, info.allowEdit);
    else if (route.page === 'compare') cleanup = renderCompare(main, route);
    else if (route.page === 'leaderboard') cleanup = renderLeaderboard(main, route);
    else cleanup = renderExperiments(main, route);
    window.scrollTo(0, 0);
  };
  window.addEventListener('hashchange', show);
  show();
}

void start();
