/**
 * `shipgate migrate status|plan|rehearse|apply|restore|down|lint` — a thin shell over
 * pipeline/migrate. The target comes from an env var holding the URI (--uri-env, default
 * MONGODB_URI); progress goes to stderr so --json/--markdown output on stdout stays clean.
 */
import type { Command } from 'commander';
import type { MongoClient } from 'mongodb';
import { z } from 'zod';
import { coreErrors, isShipgateError, presentError } from '../../errors.ts';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.ts';
import { protectionFor, type Protection } from '../../migrate/protection.ts';
import { parseDuration, formatDuration } from '../../config/duration.ts';
import { connectMongo, dbNameFromUri } from '../../mongo/connect.ts';
import { registerSecret } from '../../secrets/redact.ts';
import { applyMigrations } from '../../migrate/apply.ts';
import { restoreBackup } from '../../migrate/backup.ts';
import { migrateDown } from '../../migrate/down.ts';
import { lintMigrations, renderLintMarkdown, renderLintText } from '../../migrate/lint.ts';
import { readMigrationLock } from '../../migrate/lock.ts';
import { planMigrations } from '../../migrate/plan.ts';
import { rehearseMigrations, type RehearsalReport } from '../../migrate/rehearse.ts';
import { planToJson, renderPlanMarkdown, renderPlanTable } from '../../migrate/render.ts';
import { foreignWarnings, migrationStatus } from '../../migrate/status.ts';
import { migrateErrors } from '../../migrate/errors.ts';
import { openMigrationTarget, type MigrationTarget } from '../../migrate/target.ts';
import type { CommandModule } from './index.ts';

const TargetFlags = z.object({
  uriEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, '--uri-env must be an environment variable name such as STAGING_MONGODB_URI'),
  db: z.string().regex(/^[A-Za-z0-9_-]+$/, '--db must be a database name (letters, digits, - and _)').optional(),
  dir: z.string().min(1),
  label: z.string().optional(),
  timeout: z.string().refine((v) => parseDuration(v) !== undefined, '--timeout must be a duration such as 10s'),
});
type TargetFlagsT = z.infer<typeof TargetFlags>;

function parseFlags<T extends z.ZodType>(schema: T, raw: unknown, usage: string): z.infer<T> {
  const r = schema.safeParse(raw);
  if (!r.success) throw coreErrors.SHIPGATE_USAGE({ problem: r.error.issues.map((i) => i.message).join('; '), usage });
  return r.data;
}

const err = (line: string) => console.error(line);

/**
 * The target's protection comes from the config (invariant 1): a protected environment's database,
 * named by its variable or reached by another variable with the same URI, is protected whatever the
 * flags say. --config names the file (it must exist); without it .github/shipgate.yml is read when
 * present. An invalid config is an error: protection cannot be decided, so nothing is written.
 */
async function configProtection(flags: TargetFlagsT, uri: string, dbName: string, configFile: string | undefined): Promise<Protection | null> {
  let config;
  try {
    config = await loadConfig({ file: configFile ?? DEFAULT_CONFIG_FILE, cwd: process.cwd() });
  } catch (e) {
    if (configFile === undefined && isShipgateError(e) && e.code === 'SHIPGATE_CONFIG_NOT_FOUND') {
      err(`note: no ${DEFAULT_CONFIG_FILE} here, so no environment is known to be protected; pass --protected (or --config <file>) for a protected database`);
      return null;
    }
    throw e;
  }
  return protectionFor({ uriEnv: flags.uriEnv, uri, dbName, environments: config.environments, env: process.env, configFile: configFile ?? DEFAULT_CONFIG_FILE });
}

interface Writing {
  /** --protected: may only add protection. */
  flag: boolean;
  config: string | undefined;
}

async function withTarget<T>(raw: unknown, usage: string, fn: (target: MigrationTarget, protection: { protected: boolean; because?: string }) => Promise<T>, writing?: Writing): Promise<T> {
  const flags: TargetFlagsT = parseFlags(TargetFlags, raw, usage);
  const uri = process.env[flags.uriEnv];
  if (!uri) throw coreErrors.SHIPGATE_ENV_MISSING({ variable: flags.uriEnv, purpose: 'the MongoDB connection string of the database to migrate' });
  let protection: { protected: boolean; because?: string } = { protected: false };
  if (writing) {
    const fromConfig = await configProtection(flags, uri, flags.db ?? dbNameFromUri(uri, 'test'), writing.config);
    protection = fromConfig ? { protected: true, because: fromConfig.why } : { protected: writing.flag };
  }
  try {
    const password = decodeURIComponent(new URL(uri.replace(/^mongodb\+srv:/, 'http:').replace(/^mongodb:/, 'http:')).password);
    registerSecret(password);
  } catch {
    // Not URL-shaped: connectMongo reports it.
  }
  const client: MongoClient = await connectMongo(uri, { source: flags.uriEnv, timeoutMs: parseDuration(flags.timeout) as number });
  try {
    const dbName = flags.db ?? dbNameFromUri(uri, 'test');
    return await fn(openMigrationTarget({ client, dbName, dir: flags.dir, label: flags.label ?? dbName }), protection);
  } finally {
    await client.close();
  }
}

/** Ctrl-C aborts the signal (the current migration finishes); a second Ctrl-C exits at once. */
async function interruptible<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    err('interrupt: finishing the current step, then stopping (Ctrl-C again to exit at once)');
    controller.abort(new Error('interrupted (SIGINT)'));
  };
  process.on('SIGINT', onSigint);
  try {
    return await fn(controller.signal);
  } catch (e) {
    if (controller.signal.aborted) throw migrateErrors.SHIPGATE_MIGRATION_INTERRUPTED({ stage: 'the command' }, e);
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function targetCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .option('--uri-env <NAME>', 'environment variable holding the MongoDB URI', 'MONGODB_URI')
    .option('--db <name>', 'database name (default: from the URI path)')
    .option('--dir <folder>', 'migrations folder', 'app/migrations')
    .option('--label <name>', 'how the target is named in plans and digests (default: the database name)')
    .option('--timeout <duration>', 'give up connecting after this long', '10s');
}

const fmtDate = (d?: Date) => (d ? d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');

export function renderRehearsal(r: RehearsalReport): string {
  const lines = [`${r.ok ? '✓' : '✗'} rehearsal of ${r.target.label} (${r.target.db}) on scratch database ${r.scratchDb}${r.sampled ? `, sampled ${r.sampled.perCollection} documents per collection (${r.sampled.copiedDocuments} of ${r.sampled.targetDocuments})` : ''}`];
  lines.push(`  copy: ${formatDuration(r.copyMs)}`);
  for (const m of r.migrations) {
    const time = m.durationMs === undefined ? '' : ` ${formatDuration(m.durationMs)}${m.extrapolatedMs !== undefined ? ` (≈${formatDuration(m.extrapolatedMs)} on the full data, extrapolated from the sample)` : ''}`;
    lines.push(`  ${m.status.padEnd(8)} ${m.id}${time}`);
  }
  if (r.collections.length) {
    lines.push('', '  collection            documents before → after   indexes');
    for (const c of r.collections) {
      const idx = (c.after?.indexes ?? []).filter((i) => !(c.before?.indexes ?? []).includes(i)).map((i) => `+${i}`)
        .concat((c.before?.indexes ?? []).filter((i) => !(c.after?.indexes ?? []).includes(i)).map((i) => `-${i}`));
      lines.push(`  ${c.name.padEnd(22)}${String(c.before?.documents ?? '—').padStart(8)} → ${String(c.after?.documents ?? '—').padEnd(10)}  ${idx.join(' ') || '(unchanged)'}`);
    }
  }
  lines.push('', r.scratchDropped ? `  scratch database ${r.scratchDb} dropped` : `  ! scratch database ${r.scratchDb} was NOT dropped: drop it by hand`);
  if (r.error) lines.push('', presentError(r.error, 'terminal'));
  return lines.join('\n');
}

export const migrateCommands: CommandModule = {
  register(program) {
    const migrate = program.command('migrate').description('MongoDB migrations: status, plan, rehearse, apply, restore, down, lint');

    targetCommand(migrate, 'status', 'applied, pending and drifted migrations, with times').option('--json', 'print JSON').action(async (opts) => {
      await withTarget(opts, 'shipgate migrate status [--uri-env NAME] [--db name] [--dir folder]', async (target) => {
        const s = await migrationStatus(target);
        const lock = await readMigrationLock(target);
        for (const line of foreignWarnings(s, target.changelogCollection)) err(line);
        if (opts.json) return console.log(JSON.stringify({ ...s, lock }, null, 2));
        console.log(`migrations of ${target.label} (${target.dbName}) in ${target.dir}`);
        for (const e of s.entries) {
          const when = e.appliedAt ? ` applied ${fmtDate(e.appliedAt)} in ${formatDuration(e.durationMs ?? 0)} by ${e.appliedBy ?? '?'}${e.releaseId ? ` (release ${e.releaseId})` : ''}` : '';
          console.log(`  ${e.state.padEnd(12)} ${e.id}${when}`);
        }
        if (!s.entries.length) console.log('  (no migrations)');
        if (lock) console.log(`lock: held by ${lock.owner} since ${fmtDate(lock.acquiredAt)}, lease until ${fmtDate(lock.expiresAt)}`);
        if (s.entries.some((e) => !['applied', 'pending'].includes(e.state))) process.exitCode = 1;
      });
    });

    targetCommand(migrate, 'plan', 'what the pending migrations would change, without writing (read-only)')
      .option('--json', 'print the plan as JSON')
      .option('--markdown', 'print the plan as markdown (PR checks, Slack)')
      .action(async (opts) => {
        await withTarget(opts, 'shipgate migrate plan [--json|--markdown]', async (target) => {
          const plan = await interruptible((signal) => planMigrations(target, { signal, progress: err }));
          console.log(opts.json ? planToJson(plan) : opts.markdown ? renderPlanMarkdown(plan) : renderPlanTable(plan));
        });
      });

    targetCommand(migrate, 'rehearse', 'apply the pending migrations to a scratch copy, report, drop the copy (never writes to the target)')
      .option('--sample <N>', 'copy at most N documents per collection (times are extrapolated)')
      .option('--json', 'print the report as JSON')
      .action(async (opts) => {
        const sample = opts.sample === undefined ? undefined : parseFlags(z.coerce.number().int().positive('--sample must be a positive whole number'), opts.sample, 'shipgate migrate rehearse --sample 1000');
        await withTarget(opts, 'shipgate migrate rehearse [--sample N]', async (target) => {
          const r = await interruptible((signal) => rehearseMigrations(target, { signal, progress: err, ...(sample ? { sample } : {}) }));
          console.log(opts.json ? JSON.stringify({ ...r, error: r.error ? presentError(r.error) : undefined }, null, 2) : renderRehearsal(r));
          if (!r.ok) process.exitCode = r.interrupted ? 130 : 1;
        });
      });

    targetCommand(migrate, 'apply', 'apply the pending migrations under the lock, recording each one that succeeded')
      .option('--protected', 'treat the target as protected even if the config does not (protection from the config always applies)')
      .option('-f, --config <file>', 'config file whose protected environments apply (default .github/shipgate.yml when present)')
      .option('--backup', 'first copy the collections the plan touches into a backup database')
      .option('--release <id>', 'release id recorded in the changelog')
      .option('--actor <name>', 'who runs it (default $USER)')
      .action(async (opts) => {
        await withTarget(opts, 'shipgate migrate apply [--backup] [--release id]', async (target, protection) => {
          const r = await interruptible((signal) =>
            applyMigrations(target, {
              actor: opts.actor ?? process.env.USER ?? 'unknown', protected: protection.protected, ...(protection.because ? { protectedBecause: protection.because } : {}), backup: opts.backup === true,
              signal, progress: err, ...(opts.release ? { releaseId: opts.release } : {}),
            }),
          );
          if (r.backup) console.log(`backup: ${r.backup} (restore: shipgate migrate restore ${r.backup})`);
          console.log(r.applied.length ? `applied: ${r.applied.map((a) => `${a.id} (${formatDuration(a.durationMs)})`).join(', ')}` : 'applied: none');
          if (r.notApplied.length) console.log(`not applied: ${r.notApplied.join(', ')}`);
          if (r.failed) console.error(presentError(r.failed.error, 'terminal'));
          if (r.interrupted) console.log('interrupted: stopped after the current migration; the lock is released');
          if (!r.ok) process.exitCode = r.interrupted && !r.failed ? 130 : 1;
        }, { flag: opts.protected === true, config: opts.config });
      });

    targetCommand(migrate, 'restore', 'put back the collections saved in a backup database (see apply --backup)')
      .argument('<backup>', 'backup database name, e.g. sgbackuprel4220261130091500')
      .action(async (backup: string, opts) => {
        await withTarget(opts, 'shipgate migrate restore <backup>', async (target) => {
          const r = await restoreBackup({ client: target.client, backup, dbName: target.dbName, progress: err });
          console.log(`restored ${r.restored.join(', ') || 'nothing'} into ${r.dbName}${r.dropped.length ? `; dropped ${r.dropped.join(', ')} (created after the backup)` : ''}`);
        });
      });

    targetCommand(migrate, 'down', 'run down() of every applied migration numbered above N, newest first')
      .requiredOption('--to <N>', 'the migration number to go back to (0 = before the first)')
      .option('--actor <name>', 'who runs it (default $USER)')
      .option('--protected', 'treat the target as protected even if the config does not (protection from the config always applies)')
      .option('-f, --config <file>', 'config file whose protected environments apply (default .github/shipgate.yml when present)')
      .action(async (opts) => {
        const to = parseFlags(z.coerce.number().int().min(0, '--to must be a migration number (0 or more)'), opts.to, 'shipgate migrate down --to 2');
        await withTarget(opts, 'shipgate migrate down --to N', async (target, protection) => {
          const r = await interruptible((signal) =>
            migrateDown(target, { to, actor: opts.actor ?? process.env.USER ?? 'unknown', protected: protection.protected, ...(protection.because ? { protectedBecause: protection.because } : {}), signal, progress: err }),
          );
          console.log(`reverted: ${r.reverted.join(', ') || 'none'}${r.notReverted.length ? `; not reverted: ${r.notReverted.join(', ')}` : ''}`);
          if (r.failed) console.error(presentError(r.failed.error, 'terminal'));
          if (!r.ok) process.exitCode = 1;
        }, { flag: opts.protected === true, config: opts.config });
      });

    migrate
      .command('lint')
      .description('PR check: new migrations appended after the base, applied ones untouched, every file exports up, risks flagged')
      .requiredOption('--base <ref>', 'git ref of the base branch, e.g. origin/main')
      .option('--dir <folder>', 'migrations folder', 'app/migrations')
      .option('--markdown', 'print markdown (PR comments, job summaries)')
      .option('--json', 'print JSON')
      .action(async (opts: { base: string; dir: string; markdown?: boolean; json?: boolean }) => {
        const r = await lintMigrations({ dir: opts.dir, baseRef: opts.base });
        console.log(opts.json ? JSON.stringify(r, null, 2) : opts.markdown ? renderLintMarkdown(r) : renderLintText(r));
        if (!r.ok) process.exitCode = 1;
      });
  },
};
