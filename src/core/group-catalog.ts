/**
 * The group catalog: a record per named group of runs that must exist before (or without) any run
 * in it, with a numeric id, tags and a soft-delete flag. The MLflow-compatible API of the tracking
 * server keeps MLflow experiments in it (an MLflow experiment is an exptrack group); stores that
 * keep one say so with `capabilities.groupCatalog`.
 * @module
 */
import type { Backend } from './backend.js';

/**
 * One group's record.
 *
 * @example
 * ```ts
 * const record: GroupRecord = { id: '1', name: 'mnist', group: 'mnist', deleted: false, tags: {}, createdAt: 1767225600000, updatedAt: 1767225600000 };
 * ```
 */
export interface GroupRecord {
  /** A decimal integer assigned by the store, increasing from `1`. */
  id: string;
  /** The display name, unique among records (deleted ones included). */
  name: string;
  /** The `group` its runs carry: the name it was created with (a rename keeps it). */
  group: string;
  /** Soft-deleted: kept, and restorable. */
  deleted: boolean;
  tags: Record<string, string>;
  /** Milliseconds since the epoch. */
  createdAt: number;
  updatedAt: number;
}

/**
 * Changes to a group record. Tags merge; a tag mapped to null is removed.
 *
 * @example
 * ```ts
 * const changes: GroupRecordChanges = { name: 'mnist-v2', tags: { owner: 'ana', stale: null } };
 * ```
 */
export interface GroupRecordChanges {
  name?: string;
  deleted?: boolean;
  tags?: Record<string, string | null>;
}

/**
 * The catalog's read and write methods.
 *
 * @example
 * ```ts
 * const created = await store.createGroupRecord({ name: 'mnist', tags: {} });
 * await store.updateGroupRecord(created.id, { tags: { owner: 'ana' } });
 * const all = await store.listGroupRecords();
 * ```
 */
export interface GroupCatalog {
  /** Every record, deleted ones included, by id. */
  listGroupRecords(): Promise<GroupRecord[]>;
  /**
   * Creates a record whose group is its name.
   * @throws ExptrackError `already_exists` when a record (deleted or not) has the name
   */
  createGroupRecord(input: { name: string; tags: Record<string, string> }): Promise<GroupRecord>;
  /**
   * Changes a record.
   * @returns the changed record, or undefined when no record has the id
   * @throws ExptrackError `already_exists` when renamed to a name another record has
   */
  updateGroupRecord(id: string, changes: GroupRecordChanges): Promise<GroupRecord | undefined>;
}

/**
 * Whether a backend keeps a group catalog.
 *
 * @example
 * ```ts
 * if (hasGroupCatalog(store)) console.log(await store.listGroupRecords());
 * ```
 */
export function hasGroupCatalog(backend: Backend): backend is Backend & GroupCatalog {
  return backend.capabilities.groupCatalog === true;
}
