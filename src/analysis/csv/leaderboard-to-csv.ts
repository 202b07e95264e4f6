import type { LeaderboardResult } from '../leaderboard/leaderboard.js';
import { csvText } from './csv-cell.js';

/**
 * Writes a leaderboard as CSV (RFC 4180, CRLF line ends, a header row): one row per run (`rank,
 * id, name, group, score, standard_error, ci_lower, ci_upper, n, uncertainty`) or per group
 * (`rank, label, group, runs, score, sd, standard_error, ci_lower, ci_upper, method, n, run_ids`
 * with the ids joined by spaces), then one `config.<key>` column per varying config key. Empty
 * cells are nulls; non-finite numbers are `NaN`, `Infinity`, `-Infinity`; arrays and objects are JSON.
 *
 * @param board - What {@link leaderboard} returned.
 * @returns The CSV text.
 *
 * @example
 * ```ts
 * import { leaderboard, leaderboardToCsv } from 'exptrack/analysis';
 * const csv = leaderboardToCsv(await leaderboard({ store, benchmark: 'gsm8k', metric: 'accuracy' }));
 * // 'rank,id,name,group,score,standard_error,ci_lower,ci_upper,n,uncertainty,config.learning_rate\r\n1,exp_b,...'
 * ```
 */
export function leaderboardToCsv(board: LeaderboardResult): string {
  const config = board.columns.map((key) => `config.${key}`);
  if (board.groupBy === 'none') {
    return csvText(
      ['rank', 'id', 'name', 'group', 'score', 'standard_error', 'ci_lower', 'ci_upper', 'n', 'uncertainty', ...config],
      board.rows.map((r) => [r.rank, r.id, r.name, r.group, r.score, r.standardError, r.ci?.[0], r.ci?.[1], r.n, r.uncertainty, ...board.columns.map((k) => r.config[k])]),
    );
  }
  return csvText(
    ['rank', 'label', 'group', 'runs', 'score', 'sd', 'standard_error', 'ci_lower', 'ci_upper', 'method', 'n', 'run_ids', ...config],
    board.rows.map((r) => [r.rank, r.label, r.group, r.runs, r.score, r.sd, r.standardError, r.ci?.[0], r.ci?.[1], r.method, r.n, r.runIds.join(' '), ...board.columns.map((k) => r.config[k])]),
  );
}
