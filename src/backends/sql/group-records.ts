import type { Kysely } from 'kysely';
import { ExptrackError } from '../../core/errors.js';
import { mergeTags } from '../../core/experiment-changes.js';
import type { GroupRecord, GroupRecordChanges } from '../../core/group-catalog.js';
import type { StoreDialect } from './store-dialect.js';
import type { Encoding, StoreTables } from './store-tables.js';

type AnyStore = StoreTables<Encoding>;

/**
 * The group catalog's queries (table `group_records`, migration 0004), written once for both SQL
 * dialects. Names are unique by a constraint, so two servers creating the same name at once end with
 * one record and one `already_exists`.
 */
export class GroupRecordQueries {
  constructor(
    private readonly db: Kysely<AnyStore>,
    private readonly dialect: StoreDialect,
  ) {}

  async list(): Promise<GroupRecord[]> {
    const rows = await this.db.selectFrom('group_records').selectAll().orderBy('id').execute();
    return rows.map((row) => this.toRecord(row));
  }

  async create(input: { name: string; tags: Record<string, string> }): Promise<GroupRecord> {
    await this.refuseTaken(input.name);
    const now = Date.now();
    try {
      const row = await this.db
        .insertInto('group_records')
        .values({ name: input.name, group_name: input.name, deleted: this.dialect.writeBool(false) as never, tags: JSON.stringify(input.tags) as never, created_at: now, updated_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      return this.toRecord(row);
    } catch (error) {
      await this.refuseTaken(input.name);
      throw error;
    }
  }

  async update(id: string, changes: GroupRecordChanges): Promise<GroupRecord | undefined> {
    const key = Number(id);
    if (!Number.isSafeInteger(key)) return undefined;
    const row = await this.db.selectFrom('group_records').selectAll().where('id', '=', key).executeTakeFirst();
    if (row === undefined) return undefined;
    const current = this.toRecord(row);
    if (changes.name !== undefined && changes.name !== current.name) await this.refuseTaken(changes.name);
    const tags = changes.tags === undefined ? current.tags : mergeTags(current.tags, changes.tags);
    const next = await this.db
      .updateTable('group_records')
      .set({
        name: changes.name ?? current.name,
        deleted: this.dialect.writeBool(changes.deleted ?? current.deleted) as never,
        tags: JSON.stringify(tags) as never,
        updated_at: Date.now(),
      })
      .where('id', '=', key)
      .returningAll()
      .executeTakeFirst();
    return next && this.toRecord(next);
  }

  private async refuseTaken(name: string): Promise<void> {
    const taken = await this.db.selectFrom('group_records').select('id').where('name', '=', name).executeTakeFirst();
    if (taken) throw new ExptrackError(`a group record named "${name.slice(0, 200)}" already exists (id ${taken.id})`, { code: 'already_exists', field: 'name', value: name });
  }

  private toRecord(row: AnyStore['group_records'] extends infer T ? { [K in keyof T]: unknown } : never): GroupRecord {
    return {
      id: String(row.id),
      name: row.name as string,
      group: row.group_name as string,
      deleted: this.dialect.readBool(row.deleted) === true,
      tags: this.dialect.readJson<Record<string, string>>(row.tags),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
    };
  }
}
