import type { TrackerEvent } from '../../core/backend.js';
import type { MetricColumns } from '../../core/types.js';

/** Metric columns whose arrays may be typed arrays (as they come from a write thread). */
export type MetricColumnsView = { readonly [K in keyof MetricColumns]: MetricColumns[K] extends Array<infer T> ? ArrayLike<T> : MetricColumns[K] };

/** An event as a store's writer takes it: metric columns may be typed arrays (from the write thread). */
export type StoreEvent = Exclude<TrackerEvent, { type: 'metrics' }> | { type: 'metrics'; experimentId: string; points: MetricColumnsView };
