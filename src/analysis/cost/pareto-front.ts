/**
 * The Pareto front of score against cost: the points that no other point beats on both (at most
 * the cost and at least as good a score, better on one). Used to show which runs are worth their
 * price: everything off the front is matched or beaten by something cheaper.
 *
 * @param points - each point's score and cost (points without a finite cost are never on the front)
 * @param order - `desc` when a higher score is better, `asc` when lower is
 * @returns the indices of the points on the front, cheapest first
 * @example
 * ```ts
 * import { paretoFront } from 'exptrack/analysis';
 * paretoFront([{ score: 0.7, cost: 10 }, { score: 0.6, cost: 2 }, { score: 0.5, cost: 5 }], 'desc'); // [1, 0]
 * ```
 */
export function paretoFront(points: readonly { score: number; cost: number | null | undefined }[], order: 'asc' | 'desc'): number[] {
  const better = (a: number, b: number) => (order === 'desc' ? a > b : a < b);
  const candidates = points
    .map((p, index) => ({ index, score: p.score, cost: p.cost }))
    .filter((p): p is { index: number; score: number; cost: number } => typeof p.cost === 'number' && Number.isFinite(p.cost) && !Number.isNaN(p.score))
    // Cheapest first; at one cost, the best score first, so the others at that cost are dominated.
    .sort((a, b) => a.cost - b.cost || (better(a.score, b.score) ? -1 : better(b.score, a.score) ? 1 : 0));
  const front: number[] = [];
  let best: number | undefined;
  for (const p of candidates) {
    if (best === undefined || better(p.score, best)) {
      front.push(p.index);
      best = p.score;
    }
  }
  return front;
}
