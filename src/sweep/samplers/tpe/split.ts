/**
 * The good/bad split of TPE: the best `gamma(n)` finished trials form the "below" (good) group,
 * the rest the "above" (bad) group, as in Optuna. Completed trials rank by value; pruned trials
 * come after them, the ones that got further (a later last step) first, then by that step's value;
 * running trials (the constant liar) always go above, so new suggestions keep away from them.
 * @module
 */
import type { Direction, TrialView } from '../sampler.js';

/** Optuna's default gamma: 10% of the finished trials, at most 25. */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

/** The sort key of a pruned trial: later last step first, then better last value. */
function prunedScore(trial: TrialView, direction: Direction): [number, number] {
  let lastStep = -Infinity;
  let value = NaN;
  for (const [step, v] of trial.reports) {
    if (step > lastStep) {
      lastStep = step;
      value = v;
    }
  }
  if (lastStep === -Infinity) return [1, 0];
  if (Number.isNaN(value)) return [-lastStep, Infinity];
  return [-lastStep, direction === 'minimize' ? value : -value];
}

/**
 * Splits finished and running trials into the good and the bad group, each ordered by trial number.
 *
 * @param trials - the trials to split (completed, pruned and, with a constant liar, running ones)
 * @param nBelow - how many go into the good group
 * @param direction - what "good" means
 */
export function splitTrials(
  trials: readonly TrialView[],
  nBelow: number,
  direction: Direction,
): { below: TrialView[]; above: TrialView[] } {
  const completed = trials.filter((t) => t.state === 'completed');
  const pruned = trials.filter((t) => t.state === 'pruned');
  const running = trials.filter((t) => t.state === 'running');
  const sign = direction === 'minimize' ? 1 : -1;
  // Array.prototype.sort is stable, so ties keep trial order, as Python's sorted does.
  const byValue = [...completed].sort((a, b) => sign * ((a.value as number) - (b.value as number)));
  const nComplete = Math.min(nBelow, byValue.length);
  const below = byValue.slice(0, nComplete);
  const above = byValue.slice(nComplete);
  const byPruned = pruned
    .map((t) => ({ t, key: prunedScore(t, direction) }))
    .sort((a, b) => a.key[0] - b.key[0] || (a.key[1] === b.key[1] ? 0 : a.key[1] < b.key[1] ? -1 : 1))
    .map((x) => x.t);
  const nPruned = Math.min(Math.max(0, nBelow - below.length), byPruned.length);
  below.push(...byPruned.slice(0, nPruned));
  above.push(...byPruned.slice(nPruned), ...running);
  below.sort((a, b) => a.number - b.number);
  above.sort((a, b) => a.number - b.number);
  return { below, above };
}
