/**
 * MLflow experiments as exptrack sees them: an MLflow experiment is an exptrack group, with its
 * record (numeric id, name, tags, deleted or not) in the store's group catalog. The experiment
 * `Default` (id `0`) is the runs without a group; it always exists and cannot be deleted. A group
 * that runs of exptrack's own tracker carry gets its record the first time an MLflow client asks for
 * it by name or reads one of its runs, so TypeScript runs are searchable through the MLflow API.
 * @module
 */
import { ExptrackError, type GroupCatalog, type GroupRecord } from 'exptrack';
import type { ServerStore } from '../tracking-server.js';
import { doesNotExist, invalidValue, MlflowError } from './mlflow-error.js';

/** The store the MLflow API needs: the server's store with a group catalog. */
export type MlflowStore = ServerStore & GroupCatalog;

/** An MLflow experiment: a catalog record, or `Default` (group null). */
export interface MlflowExperimentRecord extends Omit<GroupRecord, 'group'> {
  group: string | null;
}

/** The id and name of the experiment of the runs without a group. */
export const DEFAULT_EXPERIMENT_ID = '0';
const DEFAULT_NAME = 'Default';

/** Reads and changes MLflow experiments in the group catalog. */
export class ExperimentCatalog {
  constructor(private readonly store: MlflowStore) {}

  /** Every experiment, `Default` first, deleted ones included. */
  async all(): Promise<MlflowExperimentRecord[]> {
    return [defaultExperiment(), ...(await this.store.listGroupRecords())];
  }

  /** @throws MlflowError 404 with MLflow's wording */
  async byId(id: string): Promise<MlflowExperimentRecord> {
    if (id === DEFAULT_EXPERIMENT_ID) return defaultExperiment();
    const found = (await this.store.listGroupRecords()).find((r) => r.id === id);
    if (found === undefined) throw doesNotExist(`No Experiment with id=${id} exists`);
    return found;
  }

  /** @throws MlflowError 404 with MLflow's wording */
  async byName(name: string): Promise<MlflowExperimentRecord> {
    if (name === DEFAULT_NAME) return defaultExperiment();
    const records = await this.store.listGroupRecords();
    const found = records.find((r) => r.name === name);
    if (found) return found;
    // A group logged by exptrack's own tracker: give it a record now.
    if ((await this.store.countExperiments({ group: name })) > 0) return this.register(name);
    throw doesNotExist(`Could not find experiment with name '${name}'`);
  }

  /** The experiment id of a run's group (registering a group first seen here). */
  async idOfGroup(group: string | null): Promise<string> {
    if (group === null) return DEFAULT_EXPERIMENT_ID;
    const found = (await this.store.listGroupRecords()).find((r) => r.group === group);
    return (found ?? (await this.register(group))).id;
  }

  /** @throws MlflowError 400 `RESOURCE_ALREADY_EXISTS` for a name in use, deleted experiments included */
  async create(name: string, tags: Record<string, string>): Promise<GroupRecord> {
    if (name === '') throw invalidValue("Invalid experiment name: ''");
    if (name === DEFAULT_NAME) throw alreadyExists(name);
    try {
      return await this.store.createGroupRecord({ name, tags });
    } catch (error) {
      if (ExptrackError.is(error) && error.code === 'already_exists') throw alreadyExists(name);
      throw error;
    }
  }

  /** Renames, deletes, restores or retags an experiment. */
  async update(id: string, changes: { name?: string; deleted?: boolean; tags?: Record<string, string | null> }): Promise<void> {
    if (id === DEFAULT_EXPERIMENT_ID) throw invalidValue('The Default experiment (id 0) cannot be changed on this server: it stands for the runs without a group');
    try {
      const updated = await this.store.updateGroupRecord(id, changes);
      if (updated === undefined) throw doesNotExist(`No Experiment with id=${id} exists`);
    } catch (error) {
      if (ExptrackError.is(error) && error.code === 'already_exists') throw alreadyExists(changes.name ?? '');
      throw error;
    }
  }

  private async register(group: string): Promise<GroupRecord> {
    try {
      return await this.store.createGroupRecord({ name: group, tags: {} });
    } catch (error) {
      // Another request registered it first.
      const found = (await this.store.listGroupRecords()).find((r) => r.group === group);
      if (found) return found;
      throw error;
    }
  }
}

function defaultExperiment(): MlflowExperimentRecord {
  return { id: DEFAULT_EXPERIMENT_ID, name: DEFAULT_NAME, group: null, deleted: false, tags: {}, createdAt: 0, updatedAt: 0 };
}

function alreadyExists(name: string): MlflowError {
  return new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment(name=${name}) already exists.`);
}

/** An experiment in MLflow's JSON. */
export function experimentJson(record: MlflowExperimentRecord) {
  return {
    experiment_id: record.id,
    name: record.name,
    artifact_location: `mlflow-artifacts:/${record.id}`,
    lifecycle_stage: record.deleted ? 'deleted' : 'active',
    creation_time: record.createdAt,
    last_update_time: record.updatedAt,
    tags: Object.entries(record.tags).map(([key, value]) => ({ key, value })),
  };
}
