/**
 * `BenchmarkRegistry`: benchmarks by name, as an explicit instance or the process-wide default.
 */
import { ExptrackError } from '../core/errors.js';
import type { BaseBenchmark } from './benchmark.js';
import { Gsm8kBenchmark, type Gsm8kOptions } from './benchmarks/gsm8k/benchmark.js';
import { MathBenchmark, type MathOptions } from './benchmarks/math/benchmark.js';
import { registerMultipleChoiceTasks } from './benchmarks/multiple-choice/register.js';
import type { EvaluationResult } from './result.js';
import { runEvaluation, type EvaluateOptions } from './runner.js';
import type { BenchmarkSample, ModelLike } from './types.js';

/**
 * Makes a benchmark from the options given at lookup.
 *
 * @example
 * ```ts
 * import { Gsm8kBenchmark, type BenchmarkFactory } from 'exptrack/eval';
 * const f: BenchmarkFactory = (options) => new Gsm8kBenchmark({ ...options, variant: 'cot' });
 * ```
 */
export type BenchmarkFactory = (options?: Record<string, unknown>) => BaseBenchmark<BenchmarkSample>;

const DEFAULT_REGISTRY = Symbol.for('exptrack.eval.defaultRegistry');

/**
 * Benchmarks by name. `new BenchmarkRegistry()` is empty; `BenchmarkRegistry.default()` is the
 * process-wide one, created with the built-ins (`gsm8k`, `gsm8k-cot`, `math`, `minerva_math`,
 * `hendrycks_math`, and the multiple-choice `arc_easy`, `arc_challenge`, `hellaswag`, `mmlu`,
 * `mmlu_<subject>` for the 57 subjects, `winogrande`, `piqa`, `truthfulqa_mc1`, `truthfulqa_mc2`) the first time it is asked for and kept on `globalThis`, so the ESM and CJS
 * copies of the package share it. Nothing registers itself at import time.
 *
 * @example
 * ```ts
 * import { BenchmarkRegistry, evaluate } from 'exptrack/eval';
 * const registry = BenchmarkRegistry.withBuiltins();
 * registry.register('capitals', () => new Capitals());
 * registry.list().slice(0, 3); // ['arc_challenge', 'arc_easy', 'capitals']
 * const result = await registry.evaluate(async () => 'Paris', 'capitals');
 * ```
 */
export class BenchmarkRegistry {
  private readonly factories = new Map<string, BenchmarkFactory>();

  /**
   * The process-wide registry, with the built-ins.
   *
   * @returns the shared registry
   * @example
   * ```ts
   * import { BenchmarkRegistry } from 'exptrack/eval';
   * BenchmarkRegistry.default().has('gsm8k'); // true
   * ```
   */
  static default(): BenchmarkRegistry {
    const g = globalThis as Record<symbol, unknown>;
    let registry = g[DEFAULT_REGISTRY] as BenchmarkRegistry | undefined;
    if (!registry) {
      registry = BenchmarkRegistry.withBuiltins();
      g[DEFAULT_REGISTRY] = registry;
    }
    return registry;
  }

  /**
   * A new registry holding the built-in benchmarks.
   *
   * @returns the registry
   * @example
   * ```ts
   * import { BenchmarkRegistry } from 'exptrack/eval';
   * BenchmarkRegistry.withBuiltins().get('gsm8k-cot', { source: './gsm8k' }).name; // 'gsm8k-cot'
   * ```
   */
  static withBuiltins(): BenchmarkRegistry {
    const r = new BenchmarkRegistry();
    r.register('gsm8k', (o) => new Gsm8kBenchmark({ ...(o as Gsm8kOptions), variant: 'default' }));
    r.register('gsm8k-cot', (o) => new Gsm8kBenchmark({ ...(o as Gsm8kOptions), variant: 'cot' }));
    r.register('math', (o) => new MathBenchmark({ ...(o as MathOptions) }));
    r.register('minerva_math', (o) => new MathBenchmark({ ...(o as MathOptions), variant: 'minerva' }));
    r.register('hendrycks_math', (o) => new MathBenchmark({ ...(o as MathOptions), variant: 'hendrycks' }));
    registerMultipleChoiceTasks(r);
    return r;
  }

  /**
   * Evaluates a model on a benchmark of the default registry.
   *
   * @param model - the model or async function
   * @param name - the benchmark's registered name
   * @param options - the rest of the evaluate options
   * @returns the result
   * @throws ExptrackError `not_found` for an unknown name
   * @example
   * ```ts
   * import { BenchmarkRegistry } from 'exptrack/eval';
   * const r = await BenchmarkRegistry.evaluate(async () => '#### 18', 'gsm8k', { benchmarkOptions: { source: './gsm8k' }, numSamples: 10 });
   * ```
   */
  static evaluate(model: ModelLike, name: string, options: Omit<EvaluateOptions, 'model' | 'benchmark'> = {}): Promise<EvaluationResult> {
    return BenchmarkRegistry.default().evaluate(model, name, options);
  }

  /**
   * Registers a benchmark factory under a name.
   *
   * @param name - a non-empty name
   * @param factory - makes the benchmark
   * @returns this registry
   * @throws ExptrackError `already_exists` when the name is taken (the message lists the known names)
   * @example
   * ```ts
   * import { BenchmarkRegistry } from 'exptrack/eval';
   * new BenchmarkRegistry().register('capitals', () => new Capitals());
   * ```
   */
  register(name: string, factory: BenchmarkFactory): this {
    if (typeof name !== 'string' || name === '') {
      throw new ExptrackError('benchmark name must be a non-empty string', { code: 'invalid_input', field: 'name', value: name });
    }
    if (typeof factory !== 'function') {
      throw new ExptrackError('benchmark factory must be a function', { code: 'invalid_input', field: 'factory', value: factory });
    }
    if (this.factories.has(name)) {
      throw new ExptrackError(`benchmark "${name}" is already registered (known: ${this.list().join(', ')})`, {
        code: 'already_exists',
        field: 'name',
        value: name,
      });
    }
    this.factories.set(name, factory);
    return this;
  }

  /**
   * Removes a registration.
   *
   * @param name - the name
   * @returns whether it was registered
   * @example
   * ```ts
   * import { BenchmarkRegistry } from 'exptrack/eval';
   * BenchmarkRegistry.withBuiltins().unregister('gsm8k'); // true
   * ```
   */
  unregister(name: string): boolean {
    return this.factories.delete(name);
  }

  /**
   * Whether a name is registered.
   *
   * @param name - the name
   * @returns true when registered
   * @example
   * ```ts
   * import { BenchmarkRegistry } from 'exptrack/eval';
   * new BenchmarkRegistry().has('gsm8k'); // false
   * ```
   */
  has(name: string): boolean {
    return this.factories.has(name);
  }

  /**
   * Makes the benchmark registered under a name.
   *
   * @param name - the name
   * @param options - passed to the factory
   * @returns a new benchmark instance
   * @throws ExptrackError `not_found` for an unknown name (the message lists the known names)
   * @example
   * ```ts
   * import { BenchmarkRegistry } from 'exptrack/eval';
   * const gsm8k = BenchmarkRegistry.default().get('gsm8k', { source: './data/gsm8k' });
   * ```
   */
  get(name: string, options?: Record<string, unknown>): BaseBenchmark<BenchmarkSample> {
    const factory = this.factories.get(name);
    if (!factory) {
      const known = this.list();
      throw new ExptrackError(`unknown benchmark "${name}" (known: ${known.length ? known.join(', ') : 'none'})`, {
        code: 'not_found',
        field: 'benchmark',
        value: name,
      });
    }
    return factory(options);
  }

  /**
   * The registered names, sorted.
   *
   * @returns the names
   * @example
   * ```ts
   * import { BenchmarkRegistry } from 'exptrack/eval';
   * BenchmarkRegistry.default().list().length; // 72: gsm8k, gsm8k-cot, math, minerva_math, hendrycks_math and 67 multiple-choice tasks
   * ```
   */
  list(): string[] {
    return [...this.factories.keys()].sort();
  }

  /**
   * Evaluates a model on a benchmark of this registry.
   *
   * @param model - the model or async function
   * @param name - the benchmark's registered name
   * @param options - the rest of the evaluate options
   * @returns the result
   * @throws ExptrackError `not_found` for an unknown name
   * @example
   * ```ts
   * import { BenchmarkRegistry } from 'exptrack/eval';
   * const registry = new BenchmarkRegistry().register('capitals', () => new Capitals());
   * const result = await registry.evaluate(async () => 'Paris', 'capitals');
   * ```
   */
  async evaluate(model: ModelLike, name: string, options: Omit<EvaluateOptions, 'model' | 'benchmark'> = {}): Promise<EvaluationResult> {
    const benchmark = this.get(name, options.benchmarkOptions);
    return runEvaluation({ ...options, model, benchmark, registry: this }, benchmark);
  }
}
