/**
 * MLflow's `view_type` / `run_view_type`: which lifecycle stages a search returns.
 * @module
 */
import { invalidValue } from './mlflow-error.js';

/** A view type. */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

/** Reads a view type (`ACTIVE_ONLY` when absent; MLflow's integer values 1..3 are read too). */
export function viewTypeOf(value: string | undefined): ViewType {
  if (value === undefined || value === '' || value === 'ACTIVE_ONLY' || value === '1') return 'ACTIVE_ONLY';
  if (value === 'DELETED_ONLY' || value === '2') return 'DELETED_ONLY';
  if (value === 'ALL' || value === '3') return 'ALL';
  throw invalidValue(`Invalid view_type '${value.slice(0, 50)}': use ACTIVE_ONLY, DELETED_ONLY or ALL`);
}

/** Whether an entity deleted or not is in the view. */
export function inView(deleted: boolean, view: ViewType): boolean {
  return view === 'ALL' || (view === 'DELETED_ONLY') === deleted;
}
