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
 * `db` is the mongodb driver's Db. During `migrate plan` it is a recording wrapper: reads pass
 * through, writes are counted instead of executed — so write code that does not depend on its
 * own writes being visible if you want exact plan figures.
 */
import type { Db } from 'mongodb';

export interface MigrationContext {
  /** The migration's id, e.g. "0002-merge-legacy-memos". */
  id: string;
  /** plan: writes are recorded, not executed; rehearse: a scratch copy; apply: the real database. */
  mode: 'plan' | 'rehearse' | 'apply' | 'down';
  releaseId?: string;
  log(message: string): void;
  signal?: AbortSignal;
}

export interface MigrationModule {
  up(db: Db, ctx: MigrationContext): Promise<void>;
  down?(db: Db, ctx: MigrationContext): Promise<void>;
  verify?(db: Db, ctx: MigrationContext): Promise<void>;
  irreversible?: boolean;
  breaking?: boolean;
  description?: string;
}
