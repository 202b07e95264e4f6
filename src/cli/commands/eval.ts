/**
 * `exptrack eval`: runs a registered benchmark against an OpenAI-compatible server and logs the
 * result into an experiment, with a progress bar. Ctrl-C stops cleanly: every response received so
 * far stays in the store's response cache, and `--resume` continues from there.
 * @module
 */
import { Option, type Command } from 'commander';
import type { Experiment, ExperimentTracker } from 'exptrack';
import type { EvaluationResult, ProgressEvent } from 'exptrack/eval';
import { integerOption, numberOption, type Wrap } from '../command.js';
import type { CommandContext } from '../context.js';
import { CliError, usageError } from '../errors.js';
import { formatDuration, formatEstimateParts, formatNumber } from '../format.js';
import type { CliStore } from '../open-store.js';
import { resolveExperiment } from '../resolve-id.js';
import { isAuxiliaryMetric } from './shared.js';

interface EvalCliOptions {
  model: string;
  baseUrl: string;
  data?: string;
  split?: string;
  limit?: number;
  seed?: number;
  concurrency: number;
  repeats: number;
  timeout?: number;
  endpoint: 'chat' | 'completions';
  apiKeyEnv?: string;
  experiment?: string;
  name?: string;
  resume?: boolean;
  tokenizer?: string;
  numFewshot?: number;
  batchSize?: number;
  maxLength?: number;
  maxResponseBytes?: number;
}

/** The tags an experiment made by `exptrack eval` carries, by which `--resume` finds it. */
export const EVAL_TAGS = { benchmark: 'eval_benchmark', model: 'eval_model' } as const;

/** Exit code after Ctrl-C (128 + SIGINT). */
const EXIT_INTERRUPTED = 130;

/**
 * Adds `exptrack eval`.
 *
 * @param program - the program
 * @param wrap - turns the body into an action
 * @example
 * ```ts
 * registerEval(program, wrap);
 * ```
 */
export function registerEval(program: Command, wrap: Wrap): void {
  program
    .command('eval')
    .description('evaluate a model served by an OpenAI-compatible server on a registered benchmark (gsm8k, gsm8k-cot, math, arc_easy, hellaswag, mmlu...) and log the result into an experiment')
    .argument('<benchmark>', 'a registered benchmark name')
    .requiredOption('--model <name>', 'the model name sent to the server')
    .requiredOption('--base-url <url>', 'the API root, up to and including /v1')
    .option('--data <path>', 'where the benchmark\'s data is (a directory or file; default: the benchmark\'s own source)')
    .option('--split <name>', 'the dataset split (default: test)')
    .option('--limit <n>', 'evaluate only the first n items', integerOption(1))
    .option('--seed <n>', 'shuffle with this seed before --limit', numberOption)
    .option('--concurrency <n>', 'requests in flight at once', integerOption(1), 8)
    .option('--repeats <k>', 'run each item k times (maj@k, pass@k)', integerOption(1), 1)
    .option('--timeout <ms>', 'per-request timeout in milliseconds', integerOption(1))
    .addOption(new Option('--endpoint <endpoint>', "chat or completions. The CLI defaults to completions, unlike openAICompatibleModel's chat: it sends the benchmark's prompt as-is, as lm-eval's local-completions does, so scores match lm-eval; pass chat for chat-only servers and instruction-tuned models").choices(['chat', 'completions']).default('completions'))
    .option('--api-key-env <var>', 'the environment variable holding the API key (default: OPENAI_API_KEY)')
    .option('--experiment <id>', 'log into this existing experiment')
    .option('--name <name>', 'the name of the new experiment')
    .option('--tokenizer <path>', 'a Hugging Face tokenizer.json (or its directory) for log-likelihood requests of multiple-choice benchmarks, tokenized as lm-eval does (needs the @huggingface/tokenizers package)')
    .option('--num-fewshot <n>', 'few-shot examples per item of a multiple-choice benchmark (default: the task\'s lm-eval default)', integerOption(0))
    .option('--batch-size <n>', 'log-likelihood requests per /completions call of a multiple-choice benchmark, batched as lm-eval\'s batch_size (default 1)', integerOption(1))
    .option('--max-length <n>', 'the model\'s context length for log-likelihood requests, left-truncated as lm-eval does (default: 2048)', integerOption(2))
    .option('--max-response-bytes <n>', 'the largest response body read from the server; a longer one fails its request (default 4194304)', integerOption(1))
    .option('--resume', 'continue an interrupted evaluation: re-use the responses already received (with --experiment, or the latest unfinished one of this benchmark and model)')
    .action(wrap(evalCommand));
}

async function evalCommand(ctx: CommandContext, benchmarkName: string, options: EvalCliOptions): Promise<number> {
  if (options.experiment !== undefined && options.name !== undefined) throw usageError('give --experiment or --name, not both');
  const evalModule = await import('exptrack/eval');
  const { redactUrl } = await import('exptrack');
  const registry = evalModule.BenchmarkRegistry.default();
  if (!registry.has(benchmarkName)) throw new CliError(`unknown benchmark "${benchmarkName}" (known: ${registry.list().join(', ')})`);
  const store = await ctx.store('write');
  const { tracker, id, owned, resumed } = await openExperiment(ctx, store, benchmarkName, options);
  const model = evalModule.openAICompatibleModel({
    model: options.model,
    baseURL: options.baseUrl,
    endpoint: options.endpoint,
    ...(options.apiKeyEnv === undefined ? {} : { apiKeyEnv: options.apiKeyEnv }),
    ...(options.tokenizer === undefined ? {} : { tokenizer: options.tokenizer }),
    ...(options.maxLength === undefined ? {} : { maxLength: options.maxLength }),
    ...(options.maxResponseBytes === undefined ? {} : { maxResponseBytes: options.maxResponseBytes }),
  });

  const controller = new AbortController();
  let interrupted = false;
  // The first Ctrl-C stops cleanly; with the handler gone, a second one ends the process at once.
  const onSigint = () => {
    interrupted = true;
    process.off('SIGINT', onSigint);
    controller.abort(new CliError('interrupted'));
  };
  process.on('SIGINT', onSigint);
  const progress = await progressBar(ctx);
  let last: ProgressEvent | undefined;
  let result: EvaluationResult;
  try {
    result = await evalModule.evaluate({
      model,
      modelId: `${options.model}@${redactUrl(options.baseUrl)}`,
      benchmark: benchmarkName,
      ...(options.data === undefined ? {} : { benchmarkOptions: { source: options.data } }),
      ...(options.split === undefined ? {} : { split: options.split }),
      ...(options.limit === undefined ? {} : { numSamples: options.limit }),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      ...(options.numFewshot === undefined ? {} : { numFewshot: options.numFewshot }),
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      ...(options.timeout === undefined ? {} : { timeoutMs: options.timeout }),
      concurrency: options.concurrency,
      repeats: options.repeats,
      cache: store,
      resume: options.resume === true,
      signal: controller.signal,
      tracker,
      metadata: { model: options.model, base_url: redactUrl(options.baseUrl), endpoint: options.endpoint, tokenizer: options.tokenizer ?? null },
      onProgress: (p) => {
        last = p;
        progress.update(p);
      },
    });
  } catch (error) {
    progress.stop();
    process.off('SIGINT', onSigint);
    if (owned) await tracker.finishExperiment({ status: interrupted ? 'killed' : 'failed', ...(interrupted ? {} : { error }) }).catch(() => undefined);
    else await tracker.finishExperiment().catch(() => undefined);
    await tracker.flush().catch(() => undefined);
    if (!interrupted) throw error;
    const done = last?.done ?? 0;
    const resumeHint = `exptrack eval ${benchmarkName} --model ${options.model} --base-url ${options.baseUrl} --experiment ${id} --resume${ctx.db === './exptrack.db' ? '' : ` --db ${ctx.db}`}`;
    if (ctx.json) ctx.printJson({ experimentId: id, benchmark: benchmarkName, model: options.model, interrupted: true, done, total: last?.total ?? null, resumeCommand: resumeHint });
    ctx.note(`interrupted after ${done}/${last?.total ?? '?'} items: their responses are kept in the store; continue with:\n  ${resumeHint}`);
    return EXIT_INTERRUPTED;
  }
  progress.stop();
  process.off('SIGINT', onSigint);
  // Every request failed: nothing was evaluated, and the run says so (exit 1, status failed).
  const allFailed = result.counts.rows > 0 && result.errors === result.counts.rows;
  if (allFailed && owned) await tracker.finishExperiment({ status: 'failed', error: new Error(`every request failed; the first: ${result.firstError}`) });
  else await tracker.finishExperiment();
  await tracker.flush().catch(() => undefined);
  if (allFailed) {
    if (ctx.json) ctx.printJson({ experimentId: id, benchmark: result.benchmark, model: options.model, interrupted: false, resumed, failed: true, firstError: result.firstError, counts: result.counts });
    throw new CliError(`every one of the ${result.counts.rows} requests failed, so nothing was evaluated (experiment ${id}${owned ? ' marked failed' : ''}); the first error: ${result.firstError}`);
  }
  if (result.errors > 0) ctx.note(`exptrack: ${result.errors} of ${result.counts.rows} requests failed (counted apart, not as wrong answers); the first error: ${result.firstError}`);

  if (ctx.json) {
    ctx.printJson({ experimentId: id, benchmark: result.benchmark, model: options.model, interrupted: false, resumed, failed: false, firstError: result.firstError, metrics: result.metrics, counts: result.counts, timing: result.timing });
    return 0;
  }
  const { c } = ctx;
  ctx.print(`${c.bold(result.benchmark)} on ${c.bold(options.model)}: ${result.counts.rows} rows, ${result.counts.errors} errors, ${result.counts.cached} from the cache, ${formatDuration(result.timing.totalMs)}`);
  const m = result.metrics;
  const rows = Object.keys(m)
    .filter((k) => !isAuxiliaryMetric(k))
    .map((k) => {
      const lower = m[`${k}_ci_lower`];
      const upper = m[`${k}_ci_upper`];
      return [k, ...formatEstimateParts(m[k], m[`${k}_stderr`]), lower === undefined || upper === undefined ? '-' : `[${formatNumber(lower)}, ${formatNumber(upper)}]`];
    });
  ctx.print(await ctx.table(['METRIC', 'VALUE', '± SE', '95% CI'], rows, ['left', 'right', 'right', 'left']));
  ctx.print(`logged into experiment ${c.cyan(id)}${owned ? '' : ' (status left as it was)'}`);
  return 0;
}

/** Starts, resumes or joins the experiment the result is logged into, with a tracker writing to the store. */
async function openExperiment(
  ctx: CommandContext,
  store: CliStore,
  benchmark: string,
  options: EvalCliOptions,
): Promise<{ tracker: ExperimentTracker; id: string; owned: boolean; resumed: boolean }> {
  const { ExperimentTracker, redactUrl } = await import('exptrack');
  const onError = (error: Error) => ctx.note(`exptrack: warning: ${error.message}`);
  let target: Experiment | undefined;
  if (options.experiment !== undefined) target = await resolveExperiment(store, options.experiment);
  else if (options.resume) {
    const { parseFilter } = await import('exptrack/analysis');
    const where = parseFilter(`tags.${EVAL_TAGS.benchmark} = ${JSON.stringify(benchmark)} and tags.${EVAL_TAGS.model} = ${JSON.stringify(options.model)}`);
    target = (await store.getAllExperiments({ where })).find((e) => e.status !== 'completed');
    if (target === undefined) ctx.note(`nothing to resume for ${benchmark} on ${options.model}: starting a new evaluation`);
  }
  const resumed = options.resume === true && target !== undefined;
  if (target !== undefined && target.tags[EVAL_TAGS.benchmark] === undefined) {
    // Someone else's run: log into it as a child process would (EXPTRACK_EXPERIMENT_ID), leaving its status alone.
    const tracker = new ExperimentTracker({ backends: [store], handleProcessEvents: false, captureGit: false, captureEnvironment: false, onError });
    const previous = process.env.EXPTRACK_EXPERIMENT_ID;
    process.env.EXPTRACK_EXPERIMENT_ID = target.id;
    try {
      await tracker.startExperiment();
    } finally {
      if (previous === undefined) delete process.env.EXPTRACK_EXPERIMENT_ID;
      else process.env.EXPTRACK_EXPERIMENT_ID = previous;
    }
    return { tracker, id: target.id, owned: false, resumed };
  }
  const tracker = new ExperimentTracker({ backends: [store], handleProcessEvents: false, attachToParent: false, onError });
  if (target !== undefined) {
    // An experiment `exptrack eval` made: continue it (it ends completed, or killed again).
    await tracker.resumeExperiment(target.id);
    return { tracker, id: target.id, owned: true, resumed };
  }
  const id = await tracker.startExperiment(
    {
      model: options.model,
      benchmark,
      base_url: redactUrl(options.baseUrl),
      endpoint: options.endpoint,
      limit: options.limit ?? null,
      split: options.split ?? null,
      ...(options.seed === undefined ? {} : { seed: options.seed }),
      repeats: options.repeats,
      concurrency: options.concurrency,
      data: options.data ?? null,
      ...(options.tokenizer === undefined ? {} : { tokenizer: options.tokenizer }),
      ...(options.numFewshot === undefined ? {} : { num_fewshot: options.numFewshot }),
      ...(options.batchSize === undefined ? {} : { batch_size: options.batchSize }),
      ...(options.maxLength === undefined ? {} : { max_length: options.maxLength }),
    },
    { name: options.name ?? `eval-${benchmark}-${options.model}`, tags: { [EVAL_TAGS.benchmark]: benchmark, [EVAL_TAGS.model]: options.model } },
  );
  return { tracker, id, owned: true, resumed: false };
}

/** The progress display: a bar on a terminal, a line every few seconds otherwise; on stderr. */
async function progressBar(ctx: CommandContext): Promise<{ update(p: ProgressEvent): void; stop(): void }> {
  const { default: progress } = await import('cli-progress');
  const tty = ctx.io.stderr.isTTY === true;
  const { ce } = ctx;
  const bar = new progress.SingleBar(
    {
      stream: ctx.io.stderr as NodeJS.WritableStream as never,
      format: `${ce.cyan('{bar}')} {value}/{total} | accuracy {accuracy} | {rate}/s | errors {errors} | ETA {eta_formatted}`,
      barsize: 30,
      hideCursor: tty,
      noTTYOutput: !tty,
      notTTYSchedule: 2000,
      etaBuffer: 50,
      fps: 10,
    },
    progress.Presets.shades_classic,
  );
  let started = false;
  return {
    update(p) {
      const payload = { accuracy: p.done > 0 ? formatNumber(p.correct / p.done) : '-', rate: p.rate.toFixed(1), errors: p.errors };
      if (!started) {
        bar.start(p.total, p.done, payload);
        started = true;
      } else bar.update(p.done, payload);
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
