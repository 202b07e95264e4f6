import type { MetricSelector } from './backend.js';
import { invalidInput } from './errors.js';

/**
 * Which value of a training metric a selector asks for, checked.
 *
 * @throws ExptrackError `invalid_input` for anything but last, min or max
 * @example
 * ```ts
 * summaryValueOf({ metric: 'loss', value: 'min' }); // 'min'
 * ```
 */
export function summaryValueOf(metric: MetricSelector): 'last' | 'min' | 'max' {
  const value = metric.value ?? 'last';
  if (value !== 'last' && value !== 'min' && value !== 'max') throw invalidInput('value', value, 'must be last, min or max');
  return value;
}
