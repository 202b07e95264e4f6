import type { StoreValues } from '../sql/store-dialect.js';

/** SQLite's encodings: JSON as text, booleans as 0/1, NaN as NULL (±Infinity as is). Loads no Kysely. */
export const sqliteValues: StoreValues = {
  nanAsNull: true,
  readJson: <T>(stored: unknown) => JSON.parse(stored as string) as T,
  readBool: (stored) => (stored === null ? null : stored === 1),
  writeBool: (value) => (value === null ? null : value ? 1 : 0),
};
