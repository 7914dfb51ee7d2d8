/** Error catalogue of the migration engine. Every message names the file, migration or option at fault. */
import { defineErrors } from '../errors.ts';

export interface MigrationProblem {
  file: string;
  problem: string;
}

const list = (problems: MigrationProblem[]) => problems.map((p) => `\n  - ${p.file}: ${p.problem}`).join('');

export const migrateErrors = defineErrors({
  SHIPGATE_MIGRATION_DIR_MISSING: {
    message: (d: { dir: string }) => `the migrations folder ${d.dir} does not exist`,
    hint: () => 'create it (default app/migrations/) or pass --dir <folder>',
    docs: 'migrations.md#writing-a-migration',
  },
  SHIPGATE_MIGRATIONS_INVALID: {
    message: (d: { dir: string; problems: MigrationProblem[] }) => `the migrations in ${d.dir} are not valid:${list(d.problems)}`,
    hint: () => 'name files NNNN-name.ts (or .js; migrate-mongo\'s YYYYMMDDHHMMSS-name.js also works) with unique, increasing numbers; each must export async function up(db, ctx)',
    docs: 'migrations.md#writing-a-migration',
  },
  SHIPGATE_MIGRATION_LOAD_FAILED: {
    message: (d: { file: string; reason: string }) => `migration ${d.file} could not be loaded: ${d.reason}`,
    hint: () => 'fix the syntax or import error in that file; it must export async function up(db, ctx)',
    docs: 'migrations.md#writing-a-migration',
  },
  SHIPGATE_MIGRATION_DRIFT: {
    message: (d: { problems: MigrationProblem[] }) => `applied migration files changed since they were applied (checksum drift):${list(d.problems)}`,
    hint: () => 'never edit an applied migration: restore the file as applied (git checkout) and put the change in a new migration',
    docs: 'migrations.md#checksum-drift',
  },
  SHIPGATE_MIGRATION_OUT_OF_ORDER: {
    message: (d: { problems: MigrationProblem[] }) => `pending migrations are numbered before an applied one:${list(d.problems)}`,
    hint: () => 'renumber the new migration after the highest applied number',
    docs: 'migrations.md#ordering',
  },
  SHIPGATE_MIGRATION_FILE_MISSING: {
    message: (d: { problems: MigrationProblem[] }) => `applied migrations have no file any more:${list(d.problems)}`,
    hint: () => 'restore the deleted migration files; applied migrations stay in the folder for good',
    docs: 'migrations.md#ordering',
  },
  SHIPGATE_MIGRATION_LOCKED: {
    message: (d: { db: string; owner: string; acquiredAt: string; expiresAt: string }) =>
      `another migration run holds the lock on database ${d.db}: owner ${d.owner}, acquired ${d.acquiredAt}, lease expires ${d.expiresAt}`,
    hint: () => 'wait for that run to finish; if it died, its lease expires and the next run takes the lock over',
    docs: 'migrations.md#the-lock',
  },
  SHIPGATE_MIGRATION_LOCK_LOST: {
    message: (d: { db: string; owner: string }) => `the migration lock on ${d.db} held by ${d.owner} was lost (lease expired and taken over)`,
    hint: () => 'the remaining migrations were not run; check the database connection and run apply again',
    docs: 'migrations.md#the-lock',
  },
  SHIPGATE_MIGRATION_FAILED: {
    message: (d: { id: string; file: string; phase: string; reason: string; stack: string }) =>
      `migration ${d.id} failed in ${d.phase}() (${d.file}): ${d.reason}${d.stack ? `\n${d.stack}` : ''}`,
    hint: (d: { phase: string }) =>
      d.phase === 'verify' ? 'verify() threw: the migration ran but its result is wrong; it was not recorded as applied' : 'fix the migration; it was not recorded as applied',
    docs: 'migrations.md#when-a-migration-fails',
  },
  SHIPGATE_MIGRATION_NO_DOWN: {
    message: (d: { to: number; blocking: string[] }) => `cannot migrate down to ${d.to}: ${d.blocking.join(', ')} have no down() or are irreversible`,
    hint: () => 'restore from the backup taken before apply (shipgate migrate restore <backup>) or write a new forward migration',
    docs: 'migrations.md#down',
  },
  SHIPGATE_APPROVAL_REQUIRED: {
    message: (d: { target: string; why?: string; doing?: string }) => `${d.target} is protected${d.why ? ` (${d.why})` : ''}: ${d.doing ?? 'migrations'} need an approval bound to the current plan digest, and none was given`,
    hint: (d: { env?: string }) => d.env
      ? `migrations reach ${d.env} through a release, which plans, asks for the approval and checks it: shipgate release --to ${d.env} (or run this against a database that is not protected, e.g. --env staging)`
      : 'production migrations run through `shipgate release`, which asks for and checks the approval',
    docs: 'migrations.md#protected-environments',
  },
  SHIPGATE_APPROVAL_NOT_VALID: {
    message: (d: { target: string; digest: string; reason: string }) =>
      `the approval does not cover the current migration plan of ${d.target} (digest ${d.digest.slice(0, 12)}): ${d.reason}`,
    hint: () => 'the plan changed after it was approved (or the approval expired): get a new approval for the current plan',
    docs: 'migrations.md#protected-environments',
  },
  SHIPGATE_PLAN_UNSUPPORTED_OP: {
    message: (d: { id: string; method: string; stage?: string }) =>
      d.stage === 'a rehearsal'
        ? `migration ${d.id} calls ${d.method}(), which a rehearsal cannot confine to its scratch database, so the rehearsal failed (fail closed)`
        : `migration ${d.id} calls ${d.method}(), which the plan cannot tell as read or write, so no plan was made (fail closed)`,
    hint: () => 'use the driver collection methods (find, updateMany, insertMany, createIndex, …) or run `shipgate migrate rehearse` instead',
    docs: 'migrations.md#plan',
  },
  SHIPGATE_PLAN_ESCAPE: {
    message: (d: { id: string; member: string; why: string; stage?: string }) =>
      `migration ${d.id} used ${d.member}, which ${d.stage ?? 'a plan'} cannot follow: ${d.why}; ${d.stage === 'a rehearsal' ? 'the rehearsal failed' : 'no plan was made'} (fail closed)`,
    hint: () => 'use the db handle the migration is given (db.collection(…) and its find, updateMany, insertMany, createIndex, …) or ctx.client.startSession(); see what the plan sandbox allows',
    docs: 'migrations.md#the-plan-sandbox',
  },
  SHIPGATE_MIGRATION_INTERRUPTED: {
    message: (d: { stage: string }) => `interrupted during ${d.stage}`,
    hint: () => 'nothing after the interruption ran; `shipgate migrate status` shows what is applied',
    exitCode: 130,
  },
  SHIPGATE_BACKUP_NOT_FOUND: {
    message: (d: { backup: string }) => `no Shipgate backup named ${d.backup} (its shipgate_backup manifest is missing)`,
    hint: () => 'backups are named sgbackup<release><time>; list databases to find it',
    docs: 'migrations.md#backup-and-restore',
  },
  SHIPGATE_ADOPT_SOURCE: {
    message: (d: { problem: string }) => d.problem,
    hint: () => 'name migrate-mongo\'s changelog collection with --changelog <name> (migrate-mongo-config.js changelogCollectionName, default changelog); Shipgate\'s own changelog (migrations.changelogCollection) must be another collection',
    docs: 'migrations.md#coming-from-migrate-mongo',
  },
  SHIPGATE_LINT_GIT: {
    message: (d: { baseRef: string; reason: string }) => `cannot read the migrations at ${d.baseRef} from git: ${d.reason}`,
    hint: () => 'fetch the base branch first (actions/checkout with fetch-depth: 0) and pass --base origin/main',
    docs: 'migrations.md#lint',
  },
});
