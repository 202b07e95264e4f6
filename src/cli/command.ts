/**
 * What a command file exports, and the argument parsers the commands share.
 * @module
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { CommandContext } from './context.js';

/** A command's body: it gets the context, then commander's positional arguments and options. Returns the exit code (0 by default). */
export type CommandBody<A extends unknown[]> = (ctx: CommandContext, ...args: A) => Promise<number | void>;

/** Turns a command body into a commander action (context, error handling, closing the store). */
export type Wrap = <A extends unknown[]>(body: CommandBody<A>) => (...args: unknown[]) => Promise<void>;

/** A command file's one export: it adds its command to the program. */
export type RegisterCommand = (program: Command, wrap: Wrap) => void;

/**
 * A parser of integer option values, for commander (a bad value is a usage error, exit code 2).
 *
 * @param min - the smallest value allowed
 * @returns the parser
 * @example
 * ```ts
 * command.option('--limit <n>', 'at most n rows', integerOption(1));
 * ```
 */
export function integerOption(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`must be an integer >= ${min}`);
    return n;
  };
}

/**
 * A parser of numbers in (0, 1), for commander.
 *
 * @param value - the option's text
 * @returns the number
 * @throws InvalidArgumentError outside (0, 1)
 * @example
 * ```ts
 * command.option('--alpha <a>', 'significance level', fractionOption, 0.05);
 * ```
 */
export function fractionOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 1)) throw new InvalidArgumentError('must be a number between 0 and 1 (exclusive)');
  return n;
}

/**
 * A parser of finite numbers, for commander.
 *
 * @param value - the option's text
 * @returns the number
 * @throws InvalidArgumentError for anything else
 * @example
 * ```ts
 * command.option('--seed <n>', 'seed', numberOption);
 * ```
 */
export function numberOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a finite number');
  return n;
}
