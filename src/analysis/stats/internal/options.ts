/**
 * Reads the common options of the tests with their defaults.
 * @internal
 * @module
 */
import type { Alternative, TestOptions } from '../types.js';
import { confidenceLevel, oneOf } from './validate.js';

const ALTERNATIVES: readonly Alternative[] = ['two-sided', 'greater', 'less'];

export function readTestOptions(options: TestOptions | undefined): { alternative: Alternative; confidence: number } {
  const o = options ?? {};
  return {
    alternative: o.alternative === undefined ? 'two-sided' : oneOf('alternative', o.alternative, ALTERNATIVES),
    confidence: o.confidence === undefined ? 0.95 : confidenceLevel(o.confidence),
  };
}
