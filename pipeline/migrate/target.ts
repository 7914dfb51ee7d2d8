/** A migration target: one database, its migrations folder and the changelog collection. */
import type { Collection, Db, MongoClient } from 'mongodb';
import type { ChangelogEntry } from './types.ts';

export interface OpenMigrationTargetOptions {
  client: MongoClient;
  dbName: string;
  /** Folder of NNNN-name.ts|js files (default app/migrations). */
  dir?: string;
  changelogCollection?: string;
  lockCollection?: string;
  /** How people name this target in messages and digests, e.g. "staging" or "STAGING_MONGODB_URI". */
  label?: string;
}

export interface MigrationTarget {
  readonly client: MongoClient;
  readonly db: Db;
  readonly dbName: string;
  readonly dir: string;
  readonly changelogCollection: string;
  readonly lockCollection: string;
  readonly label: string;
  changelog(): Collection<ChangelogEntry>;
}

/** Collections Shipgate itself keeps in the target; never copied into rehearsals or counted in reports. */
export const SHIPGATE_COLLECTIONS = /^shipgate_/;

export function openMigrationTarget(opts: OpenMigrationTargetOptions): MigrationTarget {
  const db = opts.client.db(opts.dbName);
  const changelogCollection = opts.changelogCollection ?? 'shipgate_migrations';
  return {
    client: opts.client,
    db,
    dbName: opts.dbName,
    dir: opts.dir ?? 'app/migrations',
    changelogCollection,
    lockCollection: opts.lockCollection ?? 'shipgate_locks',
    label: opts.label ?? opts.dbName,
    changelog: () => db.collection<ChangelogEntry>(changelogCollection),
  };
}
