/**
 * `exptrack sweep`: runs a command once per trial of a hyperparameter sweep, every trial tracked as
 * an experiment in the group `sweep_<id>`; `exptrack sweep show <id>` prints a stored sweep.
 * `exptrack/sweep` and `exptrack` load only when the command runs.
 * @module
 */
import { stripUrlCredentials } from '../../capture/redact-url.js';
import { resolve } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Command } from 'commander';
import type { ExperimentTracker, JsonValue } from 'exptrack';
import type { Pruner, SearchSpace, Sweep, SweepTracker, Trial } from 'exptrack/sweep';
import { integerOption, type Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { formatDate, formatNumber, formatValue } from '../format.js';
import { isPostgresUrl } from '../open-store.js';
import {
  TAG_CLI_CONCURRENCY,
  TAG_CLI_TRIALS,
  TAG_REPLACED_TRIAL,
  TAG_RERUN_AS,
  readSweepConfig,
  readStoredSweep,
  type SweepConfig,
} from '../sweep/config.js';
import { listSweeps } from '../sweep/list-sweeps.js';
import { sweepDetails } from '../sweep/sweep-details.js';
import { parseValue, runTrialProcess, type TrialProcessResult } from '../sweep/run-trial.js';
import { updateExperiment } from '../update-experiment.js';

interface SweepRunOptions {
  config?: string;
  trials?: number;
  concurrency?: number;
  resume?: string;
  showOutput?: boolean;
}

/** The exit code after Ctrl-C (128 + SIGINT), as shells report it. */
const EXIT_INTERRUPTED = 130;

/**
 * Adds `exptrack sweep`, `exptrack sweep list` and `exptrack sweep show`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerSweep(program, wrap);
 * ```
 */
export function registerSweep(program: Command, wrap: Wrap): void {
  const sweep = program
    .command('sweep')
    .description('run a command once per trial of a hyperparameter sweep (params in EXPTRACK_PARAMS and as --name=value flags), every trial tracked')
    .usage('--config sweep.json [--trials N] [--concurrency C] -- <command...>')
    .argument('[command...]', 'the command to run per trial, after --')
    .option('--config <file>', 'the sweep definition (JSON: space, direction, sampler, seed, multivariate, metric, pruner, trials, concurrency)')
    .option('--trials <n>', 'stop once the sweep holds n finished trials (default: the config\'s "trials")', integerOption(1))
    .option('--concurrency <n>', 'trials run at once (default: the config\'s "concurrency", else 1)', integerOption(1))
    .option('--resume <id>', 'continue a stopped sweep: finished trials are not run again')
    .option('--show-output', "relay each trial's output to stderr, prefixed with its number")
    .action(wrap(runSweep));
  sweep
    .command('list')
    .description('the sweeps of the store, newest first: id, metric, trials by state, the best value')
    .action(wrap(listSweepsCommand));
  sweep
    .command('show')
    .description("a stored sweep's trials (number, state, params, value), the best trial and the parameter importance")
    .argument('<id>', 'the sweep id')
    .action(wrap(showSweep));
}

/** Builds a pruner from its JSON form. */
async function makePruner(spec: SweepConfig['pruner']): Promise<Pruner | undefined> {
  if (spec === undefined || spec === null) return undefined;
  const { MedianPruner, AshaPruner } = await import('exptrack/sweep');
  const { kind, name, ...options } = typeof spec === 'string' ? { kind: spec, name: undefined } : (spec as Record<string, unknown>);
  const which = kind ?? name;
  return which === 'asha' ? new AshaPruner(options) : new MedianPruner(options);
}

function describeParams(params: Readonly<Record<string, unknown>>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : formatValue(v)}`)
    .join(' ');
}

/** A promise with its settle functions. */
interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** What became of one trial's process. */
type Outcome =
  | { kind: 'completed'; value: number; source: 'printed' | 'summary' | 'metric' }
  | { kind: 'pruned' }
  | { kind: 'failed'; error: string }
  | { kind: 'killed'; error: string };

async function runSweep(ctx: CommandContext, command: string[], options: SweepRunOptions): Promise<number> {
  if (command.length === 0) throw usageError('give the command to run after --, e.g. exptrack sweep --config sweep.json -- node train.mjs');
  if (options.config === undefined && options.resume === undefined) throw usageError('give --config FILE (or --resume ID to continue a sweep)');
  const sweepModule = await import('exptrack/sweep');
  const { ExperimentTracker: Tracker } = await import('exptrack');
  const store = await ctx.store(options.resume === undefined ? 'write' : 'edit');

  let config: SweepConfig;
  let storedTrials: number | undefined;
  let storedConcurrency: number | undefined;
  if (options.resume !== undefined) {
    const stored = await readStoredSweep(store, options.resume);
    storedTrials = stored.cliTrials;
    storedConcurrency = stored.cliConcurrency;
    config = options.config === undefined ? stored.definition : readSweepConfig(options.config);
  } else {
    config = readSweepConfig(options.config as string);
  }
  const sampler = config.sampler ?? 'tpe';
  const target = options.trials ?? config.trials ?? storedTrials ?? (sampler === 'grid' ? Infinity : undefined);
  if (target === undefined) throw usageError('give --trials N (or "trials" in the config); only a grid sweep may run to its end without it');
  const concurrency = options.concurrency ?? config.concurrency ?? storedConcurrency ?? 1;

  // Every trial's experiment id, as soon as the sweep's tracker has started it.
  const started = new Map<number, Deferred<string>>();
  const startedOf = (n: number) => {
    let d = started.get(n);
    if (d === undefined) started.set(n, (d = deferred<string>()));
    return d;
  };
  const trackers = new Map<number, ExperimentTracker>();
  const trackingErrors: string[] = [];
  const newTracker = (): SweepTracker => {
    const real = new Tracker({
      backends: [store],
      handleProcessEvents: false,
      onError: (error) => trackingErrors.push(error.message),
    });
    return {
      async startExperiment(cfg, opts) {
        const number = Number(opts.tags?.['sweep_trial']);
        const d = startedOf(number);
        try {
          const tags = { ...opts.tags, [TAG_CLI_TRIALS]: Number.isFinite(target) ? String(target) : 'all', [TAG_CLI_CONCURRENCY]: String(concurrency) };
          const id = await real.startExperiment(cfg, { ...opts, tags });
          trackers.set(number, real);
          d.resolve(id);
          return id;
        } catch (error) {
          d.reject(error);
          throw error;
        }
      },
      logMetrics: (metrics, step) => real.logMetrics(metrics, step),
      logSummary: (summary) => real.logSummary(summary),
      setTags: (tags) => real.setTags(tags),
      finishExperiment: (o) => real.finishExperiment(o),
      flush: () => real.flush(),
    };
  };

  const pruner = await makePruner(config.pruner);
  const sweep: Sweep<SearchSpace> = new sweepModule.Sweep({
    space: sweepModule.searchSpaceFromJson(config.space),
    direction: config.direction,
    sampler,
    ...(config.multivariate === undefined ? {} : { multivariate: config.multivariate }),
    ...(config.seed === undefined ? {} : { seed: config.seed }),
    ...(config.metric === undefined ? {} : { metric: config.metric }),
    ...(pruner === undefined ? {} : { pruner }),
    tracker: newTracker,
    store,
    ...(options.resume === undefined ? {} : { resume: options.resume }),
    onTrackingError: (error, trial) => {
      trackingErrors.push(error instanceof Error ? error.message : String(error));
      startedOf(trial.number).reject(error);
    },
  });
  await sweep.ready();

  const childEnvBase: NodeJS.ProcessEnv = { ...ctx.io.env };
  if (!isPostgresUrl(ctx.db)) childEnvBase['EXPTRACK_DB'] = resolve(ctx.db);
  const running = new Map<number, ChildProcess>();
  let stopping = false;
  let interrupts = 0;
  /** Trials whose process was running (or started) after the first Ctrl-C. */
  const interrupted = new Set<number>();
  let fatal: CliError | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      stopping = true;
      ctx.note(ctx.ce.yellow(`${signal}: stopping sweep ${sweep.id}: no new trials; interrupting ${running.size} running (again to kill them)`));
      for (const [number, child] of running) {
        interrupted.add(number);
        child.kill('SIGINT');
      }
    } else {
      for (const child of running.values()) child.kill('SIGKILL');
    }
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);

  const resumedCount = sweep.trials.filter((t) => t.state !== 'running').length;
  const isCrashed = (t: Trial) => t.state === 'failed' && (t.error ?? '').startsWith('crashed:');
  const finished = () => sweep.trials.filter((t) => t.state !== 'running' && !isCrashed(t)).length;
  const killed: Trial[] = [];
  // A resumed sweep asks the params of the trials that were interrupted (or crashed) first, in
  // their order. Once a rerun has its experiment, the old experiment stops being a trial of the
  // sweep (tag sweep_trial becomes sweep_replaced_trial), so a later resume does not ask it again.
  const replaced = sweep.trials.filter((t) => isCrashed(t as Trial)) as Trial[];
  let asked = 0;
  let inFlight = 0;
  const targetText = Number.isFinite(target) ? String(target) : 'every grid point';
  ctx.note(
    options.resume === undefined
      ? `sweep ${sweep.id}: ${targetText} trials, ${concurrency} at a time, ${sweep.direction} ${sweep.metric} (${sampler}, seed ${sweep.seed}); group ${sweep.group}`
      : `resuming sweep ${sweep.id}: ${finished()} of ${targetText} trials finished; ${concurrency} at a time`,
  );

  const runOne = async (trial: Trial, replaces: Trial | undefined): Promise<Outcome> => {
    let experimentId: string;
    try {
      experimentId = await startedOf(trial.number).promise;
    } catch (error) {
      return { kind: 'failed', error: `tracking failed: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (replaces?.experimentId !== undefined) {
      const tags = { sweep_trial: null, [TAG_REPLACED_TRIAL]: String(replaces.number), [TAG_RERUN_AS]: String(trial.number) };
      await updateExperiment(store, replaces.experimentId, (t) => t.setTags(tags)).catch((error: unknown) =>
        trackingErrors.push(`marking trial ${replaces.number} as rerun: ${error instanceof Error ? error.message : String(error)}`),
      );
    }
    if (stopping) return { kind: 'killed', error: 'sweep interrupted before the trial started' };
    let pruned = false;
    let child: ChildProcess | undefined;
    const result: TrialProcessResult = await runTrialProcess({
      command,
      params: trial.params,
      env: {
        ...childEnvBase,
        EXPTRACK_PARAMS: JSON.stringify(trial.params),
        EXPTRACK_EXPERIMENT_ID: experimentId,
        EXPTRACK_SWEEP_ID: sweep.id,
        EXPTRACK_TRIAL: String(trial.number),
      },
      onSpawn: (c) => {
        child = c;
        running.set(trial.number, c);
        if (interrupts > 0) {
          interrupted.add(trial.number);
          c.kill('SIGINT');
        }
      },
      ...(options.showOutput ? { onLine: (line: string) => ctx.io.stderr.write(`[trial ${trial.number}] ${line}\n`) } : {}),
      onReport: (value, step) => {
        if (pruned || trial.state !== 'running') return;
        trial.report(value, step);
        if (trial.shouldPrune()) {
          pruned = true;
          const c = child;
          c?.kill('SIGTERM');
          // A command that ignores SIGTERM is killed 10 s later.
          setTimeout(() => c?.exitCode === null && c.signalCode === null && c.kill('SIGKILL'), 10_000).unref();
        }
      },
    });
    running.delete(trial.number);
    if (result.spawnError !== undefined) {
      if (result.spawnError.code === 'ENOENT' || result.spawnError.code === 'EACCES') {
        fatal ??= new CliError(`cannot run ${command[0]}: ${result.spawnError.code === 'ENOENT' ? 'not found' : 'permission denied'}`);
        stopping = true;
      }
      return { kind: 'failed', error: `could not start the command: ${result.spawnError.message}` };
    }
    if (interrupted.has(trial.number) && !(result.code === 0 && result.valueText !== undefined && !pruned)) {
      return { kind: 'killed', error: `interrupted (${result.signal ?? `exit code ${result.code}`})` };
    }
    if (pruned) return { kind: 'pruned' };
    const lastErr = result.stderrTail[result.stderrTail.length - 1];
    if (result.code !== 0) {
      const how = result.signal !== null ? `killed by ${result.signal}` : `exit code ${result.code}`;
      return { kind: 'failed', error: `${how}${lastErr ? `: ${lastErr.slice(0, 300)}` : ''}` };
    }
    if (result.valueText !== undefined) {
      const value = parseValue(result.valueText);
      if (value === undefined) return { kind: 'failed', error: `exptrack:value=${result.valueText.slice(0, 80)} is not a number` };
      if (Number.isNaN(value)) return { kind: 'failed', error: 'the command printed exptrack:value=NaN' };
      return { kind: 'completed', value, source: 'printed' };
    }
    const experiment = await store.getExperiment(experimentId);
    const fromSummary = experiment?.summary[sweep.metric];
    if (typeof fromSummary === 'number') return { kind: 'completed', value: fromSummary, source: 'summary' };
    const points = await store.getMetrics(experimentId, sweep.metric);
    let last: { step: number; value: number } | undefined;
    for (const p of points) if (last === undefined || p.step >= last.step) last = p;
    if (last !== undefined) {
      if (Number.isNaN(last.value)) return { kind: 'failed', error: `the last ${sweep.metric} logged was NaN` };
      return { kind: 'completed', value: last.value, source: 'metric' };
    }
    return {
      kind: 'failed',
      error: `no value: print a last line exptrack:value=<number>, or log summary "${sweep.metric}" or metric "${sweep.metric}" to EXPTRACK_EXPERIMENT_ID`,
    };
  };

  const progress = (trial: Trial, outcome: Outcome) => {
    const best = sweep.best;
    const bestText = best === undefined ? 'best -' : `best ${formatNumber(best.value)} (trial ${best.number})`;
    const what =
      outcome.kind === 'completed'
        ? `${sweep.metric} ${formatNumber(outcome.value)}`
        : outcome.kind === 'pruned'
          ? ctx.ce.yellow(`pruned at ${formatNumber(trial.value)}`)
          : ctx.ce.red(`${outcome.kind}: ${outcome.error}`);
    ctx.note(`trial ${trial.number}  ${describeParams(trial.params)}  ${what}  ${bestText}`);
  };

  const worker = async (): Promise<void> => {
    while (!stopping && finished() + inFlight < target && sweep.remaining > 0) {
      const trial = sweep.ask() as Trial;
      const candidate = replaced[asked++];
      const replaces = candidate !== undefined && JSON.stringify(candidate.params) === JSON.stringify(trial.params) ? candidate : undefined;
      inFlight++;
      let outcome: Outcome;
      try {
        outcome = await runOne(trial, replaces);
      } catch (error) {
        outcome = { kind: 'failed', error: error instanceof Error ? error.message : String(error) };
      }
      inFlight--;
      if (outcome.kind === 'killed') {
        // Left running in the sweep (tag sweep_state=running), killed in the store: a resume asks its params again.
        killed.push(trial);
        const tracker = trackers.get(trial.number);
        if (tracker !== undefined) await tracker.finishExperiment({ status: 'killed', error: new Error(outcome.error) }).catch(() => undefined);
        ctx.note(ctx.ce.yellow(`trial ${trial.number}  ${describeParams(trial.params)}  killed: ${outcome.error}`));
        continue;
      }
      if (outcome.kind === 'completed') sweep.tell(trial, outcome.value);
      else if (outcome.kind === 'pruned') sweep.tell(trial, { state: 'pruned' });
      else sweep.tell(trial, { state: 'failed', error: new Error(outcome.error) });
      progress(trial, outcome);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
    try {
      await sweep.flush();
    } catch (error) {
      trackingErrors.push(error instanceof Error ? error.message : String(error));
    }
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  for (const message of new Set(trackingErrors)) ctx.note(ctx.ce.yellow(`exptrack: tracking: ${message}`));
  if (fatal !== undefined) throw fatal;

  const wasInterrupted = interrupts > 0;
  // Trials interrupted in this run are `killed`; those interrupted before a resume (failed with
  // `crashed: trial was killed ...` in the sweep, and asked again) keep their stored status.
  const stateOf = (t: Trial): string => {
    if (killed.includes(t)) return 'killed';
    if (isCrashed(t)) return (t.error ?? '').includes('was killed') ? 'killed' : 'crashed';
    return t.state;
  };
  const trials = sweep.trials.map((t) => ({
    number: t.number,
    state: stateOf(t as Trial),
    params: t.params as Record<string, JsonValue>,
    value: t.value ?? null,
    experimentId: t.experimentId ?? null,
    error: killed.includes(t as Trial) ? 'interrupted' : (t.error ?? null),
  }));
  const best = sweep.best;
  const count = (state: string) => trials.filter((t) => t.state === state).length;
  const dbFlag = ctx.db === './exptrack.db' ? '' : ` --db ${ctx.db}`;
  const resumeCommand = `exptrack sweep --resume ${sweep.id}${dbFlag} -- ${command.join(' ')}`;
  if (ctx.json) {
    ctx.printJson({
      id: sweep.id,
      group: sweep.group,
      direction: sweep.direction,
      metric: sweep.metric,
      sampler: sweep.samplerName,
      seed: sweep.seed,
      interrupted: wasInterrupted,
      resumed: options.resume !== undefined,
      ran: sweep.trials.length - resumedCount,
      counts: { completed: count('completed'), pruned: count('pruned'), failed: count('failed'), killed: count('killed'), crashed: count('crashed') },
      best: best === undefined ? null : { number: best.number, params: best.params, value: best.value, experimentId: best.experimentId ?? null },
      trials,
      ...(wasInterrupted ? { resumeCommand } : {}),
    });
  } else {
    ctx.print(
      `sweep ${sweep.id}: ${trials.length} trials (${count('completed')} completed, ${count('pruned')} pruned, ${count('failed')} failed` +
        `${count('killed') > 0 ? `, ${count('killed')} killed` : ''}${count('crashed') > 0 ? `, ${count('crashed')} crashed` : ''})`,
    );
    ctx.print(best === undefined ? 'best: none (no trial completed)' : `best: trial ${best.number}  ${sweep.metric} ${formatNumber(best.value)}  ${describeParams(best.params)}  ${best.experimentId ?? ''}`.trimEnd());
    ctx.print(`details: exptrack sweep show ${sweep.id}${dbFlag}`);
  }
  if (wasInterrupted) {
    ctx.note(`sweep ${sweep.id} interrupted; resume it with: ${resumeCommand}`);
    return EXIT_INTERRUPTED;
  }
  if (best === undefined) {
    ctx.note(ctx.ce.red(`no trial of sweep ${sweep.id} completed`));
    return 1;
  }
  return 0;
}

async function listSweepsCommand(ctx: CommandContext): Promise<void> {
  const store = await ctx.store('read');
  const sweeps = await listSweeps(store);
  if (ctx.json) {
    ctx.printJson({ sweeps });
    return;
  }
  if (sweeps.length === 0) {
    ctx.print(`no sweeps in ${stripUrlCredentials(ctx.db)} (start one with \`exptrack sweep --config sweep.json -- <command>\`)`);
    return;
  }
  const states = (s: Record<string, number>) => Object.entries(s).map(([state, n]) => `${n} ${state}`).join(', ');
  const rows = sweeps.map((s) => [
    ctx.c.cyan(s.id),
    formatDate(s.createdAt),
    s.metric === null ? '-' : `${s.metric} ${s.direction === 'minimize' ? '↓' : s.direction === 'maximize' ? '↑' : ''}`.trim(),
    String(s.trials),
    states(s.states),
    formatNumber(s.best),
  ]);
  ctx.print(await ctx.table(['SWEEP', 'CREATED', 'METRIC', 'TRIALS', 'STATES', 'BEST'], rows, ['left', 'left', 'left', 'right', 'left', 'right']));
}

async function showSweep(ctx: CommandContext, id: string): Promise<void> {
  const store = await ctx.store('read');
  const details = await sweepDetails(store, id);
  if (ctx.json) {
    ctx.printJson(details);
    return;
  }
  const { definition, trials, importance, importanceNote } = details;
  const best = details.best ?? undefined;
  const names = Object.keys(definition.space);
  ctx.print(
    ctx.c.bold(`sweep ${id}`) +
      `  ${definition.direction} ${definition.metric}  ${definition.sampler ?? 'tpe'}${definition.multivariate ? ' (multivariate)' : ''}  seed ${definition.seed}  ${trials.length} trials`,
  );
  ctx.print();
  const rows = trials.map((t) => [
    String(t.number),
    t.rerunAs === null ? t.state : `${t.state} (rerun as ${t.rerunAs})`,
    formatNumber(t.value),
    ...names.map((n) => formatValue(t.params[n])),
    t.experimentId,
  ]);
  ctx.print(await ctx.table(['trial', 'state', definition.metric, ...names, 'experiment'], rows, ['right', 'left', 'right', ...names.map(() => 'right' as const), 'left']));
  ctx.print();
  ctx.print(best === undefined ? 'best: none (no trial completed)' : `best: trial ${best.number}  ${definition.metric} ${formatNumber(best.value)}  ${describeParams(best.params)}  ${best.experimentId}`);
  ctx.print();
  if (importance === null) {
    ctx.print(`parameter importance: ${importanceNote ?? 'not available'}`);
    return;
  }
  ctx.print(`parameter importance (over ${importance[0]?.trials ?? 0} completed trials; |Spearman rho| for numbers, eta for choices):`);
  ctx.print(
    await ctx.table(
      ['param', 'importance', 'rho', 'method'],
      importance.map((p) => [p.name, p.importance.toFixed(3), p.correlation === null ? '-' : p.correlation.toFixed(3), p.method]),
      ['left', 'right', 'right', 'left'],
    ),
  );
}
