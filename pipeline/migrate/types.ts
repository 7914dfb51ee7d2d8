/**
 * The migration file contract (DESIGN.md). A migration is a file `NNNN-name.ts|js` exporting:
 *
 *   export async function up(db: Db, ctx: MigrationContext): Promise<void>
 *   export async function down(db: Db, ctx: MigrationContext): Promise<void>     // optional
 *   export async function verify(db: Db, ctx: MigrationContext): Promise<void>   // optional: throw if wrong
 *   export const irreversible = true   // optional: no way back (e.g. drops data)
 *   export const breaking = true       // optional: the previous app version cannot run on the new schema
 *   export const description = '…'     // optional: one line for plans and approvals
 *
 * `db` is the mongodb driver's Db. During `migrate plan` it is the plan sandbox (recording-db.ts):
 * reads pass through, writes are counted instead of executed, anything else refuses the plan — so
 * write code that does not depend on its own writes being visible if you want exact plan figures.
 */
import type { Db, MongoClient } from 'mongodb';

export interface MigrationContext {
  /** The migration's id, e.g. "0002-merge-legacy-memos". */
  id: string;
  /** plan: writes are recorded, not executed; rehearse: a scratch copy; apply: the real database. */
  mode: 'plan' | 'rehearse' | 'apply' | 'down';
  releaseId?: string;
  log(message: string): void;
  signal?: AbortSignal;
  /**
   * The target's client (migrate-mongo passes it as the second argument). During `plan` it is the
   * plan sandbox's client: db() of the target database and sessions only. Always set by the runner.
   */
  client?: MongoClient;
  /** migrate-mongo compatibility: `up(db, client)` code calling client.db() / startSession() / withSession() works on ctx. */
  db?: MongoClient['db'];
  startSession?: MongoClient['startSession'];
  withSession?: MongoClient['withSession'];
}

export interface MigrationModule {
  up(db: Db, ctx: MigrationContext): Promise<void>;
  down?(db: Db, ctx: MigrationContext): Promise<void>;
  verify?(db: Db, ctx: MigrationContext): Promise<void>;
  irreversible?: boolean;
  breaking?: boolean;
  description?: string;
}

/**
 * What a migration file exports, for typing one in a user's repository:
 *
 *   import type { Migration } from 'shipgate/migrate';
 *   export const up: Migration['up'] = async (db, ctx) => { … };
 */
export type Migration = MigrationModule;

/** A migration file found on disk (not loaded). */
export interface MigrationFile {
  /** File name without extension, e.g. "0002-merge-legacy-memos". */
  id: string;
  number: number;
  /** Absolute path. */
  path: string;
  /** sha-256 (hex) of the file's bytes. */
  checksum: string;
}

export interface LoadedMigration extends MigrationFile {
  module: MigrationModule;
}

/** One line of the changelog collection: a migration recorded only after up() and verify() succeeded. */
export interface ChangelogEntry {
  _id: string;
  checksum: string;
  appliedAt: Date;
  durationMs: number;
  releaseId: string | null;
  appliedBy: string;
}

/** Checks that an approval covers the plan digest computed right before writing (protected targets). */
export interface ApprovalCheck {
  check(planDigest: string): Promise<{ ok: true; approvedBy: string[] } | { ok: false; reason: string }>;
}

/** Progress lines for long work; the CLI prints them. */
export type MigrationProgress = (message: string) => void;
