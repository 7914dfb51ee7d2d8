/**
 * `shipgate migrate status|plan|rehearse|apply|restore|down|create|adopt|lint` — a thin shell over
 * pipeline/migrate, driven by the workspace config (.github/shipgate.yml of the user's repository,
 * or -f/--config): `--env <name>` picks an environment's database, label and protection; the
 * migrations folder and changelog come from the config's `migrations:`. `--uri-env`/`--dir` remain
 * for one-off use; the config's protection applies whatever the flags (pipeline/migrate/cli-target.ts).
 * Progress goes to stderr so --json/--markdown output on stdout stays clean.
 *
 * Only commander is loaded up front: each subcommand imports the engine modules it uses.
 */
import { Option, type Command } from 'commander';
import type { MigrateFlags, ResolvedMigrate } from '../../migrate/cli-target.ts';
import type { MigrationTarget } from '../../migrate/target.ts';
import type { CommandModule } from './index.ts';

const err = (line: string) => console.error(line);

type Opts = MigrateFlags & Record<string, unknown>;

async function usageError(problem: string, usage: string): Promise<Error> {
  const { coreErrors } = await import('../../errors.ts');
  return coreErrors.SHIPGATE_USAGE({ problem, usage });
}

async function positiveInt(raw: string, min: number, problem: string, usage: string): Promise<number> {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(n) || n < min) throw await usageError(problem, usage);
  return n;
}

/** Resolves the target from config + flags, prints notes, connects, runs `fn`. */
async function withTarget<T>(opts: Opts, use: string, writing: boolean, fn: (target: MigrationTarget, r: ResolvedMigrate) => Promise<T>): Promise<T> {
  const { resolveMigrate, withMigrationTarget } = await import('../../migrate/cli-target.ts');
  const r = await resolveMigrate(opts, { writing, use });
  for (const line of r.notes) err(line);
  return withMigrationTarget(r, opts.timeout, (target) => fn(target, r));
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
    if (controller.signal.aborted) {
      const { migrateErrors } = await import('../../migrate/errors.ts');
      throw migrateErrors.SHIPGATE_MIGRATION_INTERRUPTED({ stage: 'the command' }, e);
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** The flags every subcommand shares: the workspace config and who acts. */
function common(cmd: Command): Command {
  return cmd
    .option('-f, --config <file>', 'config file (default: .github/shipgate.yml of the repository around the current directory)')
    .option('--as <person>', 'act as this person from people (default: $SHIPGATE_AS, $GITHUB_ACTOR in GitHub Actions, your user name)');
}

function targetCommand(parent: Command, name: string, description: string): Command {
  return common(parent.command(name).description(description))
    .option('--env <name>', "an environment of the config: its database (database.uriEnv, database.name), label and protection")
    .option('--uri-env <NAME>', 'environment variable holding the MongoDB URI (default: the --env database\'s, else MONGODB_URI)')
    .option('--db <name>', 'database name (default: the --env database.name, else the URI path)')
    .option('--dir <folder>', 'migrations folder (default: migrations.dir of the config, relative to the repository; else app/migrations)')
    .option('--changelog <collection>', 'changelog collection (default: migrations.changelogCollection of the config, else shipgate_migrations)')
    .option('--label <name>', 'how the target is named in plans and digests (default: the --env name, else the database name)')
    .option('--timeout <duration>', 'give up connecting after this long', '10s');
}

const fmtDate = (d?: Date) => (d ? d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '');

export const migrateCommands: CommandModule = {
  register(program) {
    const migrate = program.command('migrate').description('MongoDB migrations: status, plan, rehearse, apply, restore, down, lint');

    targetCommand(migrate, 'status', 'applied, pending and drifted migrations, with times').option('--json', 'print JSON').action(async (opts: Opts) => {
      await withTarget(opts, 'shipgate migrate status [--env name] [-f config]', false, async (target) => {
        const { foreignWarnings, migrationStatus } = await import('../../migrate/status.ts');
        const { readMigrationLock } = await import('../../migrate/lock.ts');
        const { formatDuration } = await import('../../config/duration.ts');
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
      .action(async (opts: Opts) => {
        await withTarget(opts, 'shipgate migrate plan [--env name] [--json|--markdown]', false, async (target) => {
          const { planMigrations } = await import('../../migrate/plan.ts');
          const { planToJson, renderPlanMarkdown, renderPlanTable } = await import('../../migrate/render.ts');
          const plan = await interruptible((signal) => planMigrations(target, { signal, progress: err }));
          console.log(opts.json ? planToJson(plan) : opts.markdown ? renderPlanMarkdown(plan) : renderPlanTable(plan));
        });
      });

    targetCommand(migrate, 'rehearse', 'apply the pending migrations to a scratch copy, report, drop the copy (never writes to the target)')
      .option('--sample <N>', 'copy at most N documents per collection (times are extrapolated)')
      .option('--json', 'print the report as JSON')
      .action(async (opts: Opts & { sample?: string }) => {
        const sample = opts.sample === undefined ? undefined : await positiveInt(opts.sample, 1, '--sample must be a positive whole number', 'shipgate migrate rehearse --sample 1000');
        await withTarget(opts, 'shipgate migrate rehearse [--env name] [--sample N]', false, async (target) => {
          const { rehearseMigrations } = await import('../../migrate/rehearse.ts');
          const { renderRehearsal } = await import('../../migrate/render-rehearsal.ts');
          const { presentError } = await import('../../errors.ts');
          const r = await interruptible((signal) => rehearseMigrations(target, { signal, progress: err, ...(sample ? { sample } : {}) }));
          console.log(opts.json ? JSON.stringify({ ...r, error: r.error ? presentError(r.error) : undefined }, null, 2) : renderRehearsal(r));
          if (!r.ok) process.exitCode = r.interrupted ? 130 : 1;
        });
      });

    targetCommand(migrate, 'apply', 'apply the pending migrations under the lock, recording each one that succeeded (a protected environment: through a release only)')
      .option('--protected', 'treat the target as protected even if the config does not (protection from the config always applies)')
      .option('--backup', 'first copy the collections the plan touches into a backup database')
      .option('--release <id>', 'release id recorded in the changelog')
      .addOption(hidden('--actor <name>', 'older spelling of --as'))
      .action(async (opts: Opts & { backup?: boolean; release?: string }) => {
        await withTarget(opts, 'shipgate migrate apply [--env name] [--backup] [--release id]', true, async (target, r) => {
          const { applyMigrations } = await import('../../migrate/apply.ts');
          const { formatDuration } = await import('../../config/duration.ts');
          const { presentError } = await import('../../errors.ts');
          const rep = await interruptible((signal) =>
            applyMigrations(target, {
              actor: r.identity.id, protected: r.protection.protected, ...(r.protection.why ? { protectedBecause: r.protection.why } : {}),
              ...(r.protection.env ? { protectedEnv: r.protection.env } : {}), backup: opts.backup === true,
              signal, progress: err, ...(opts.release ? { releaseId: opts.release } : {}),
            }),
          );
          if (rep.backup) console.log(`backup: ${rep.backup} (restore: shipgate migrate restore ${rep.backup})`);
          console.log(rep.applied.length ? `applied: ${rep.applied.map((a) => `${a.id} (${formatDuration(a.durationMs)})`).join(', ')}` : 'applied: none');
          if (rep.notApplied.length) console.log(`not applied: ${rep.notApplied.join(', ')}`);
          if (rep.failed) console.error(presentError(rep.failed.error, 'terminal'));
          if (rep.interrupted) console.log('interrupted: stopped after the current migration; the lock is released');
          if (!rep.ok) process.exitCode = rep.interrupted && !rep.failed ? 130 : 1;
        });
      });

    targetCommand(migrate, 'restore', 'put back the collections saved in a backup database (see apply --backup; a protected environment: refused)')
      .argument('<backup>', 'backup database name, e.g. sgbackuprel4220261130091500')
      .option('--protected', 'treat the target as protected even if the config does not')
      .action(async (backup: string, opts: Opts) => {
        await withTarget(opts, 'shipgate migrate restore <backup> [--env name]', true, async (target, r) => {
          const { refuseProtected } = await import('../../migrate/cli-target.ts');
          refuseProtected(r, 'restoring a backup into it');
          const { restoreBackup } = await import('../../migrate/backup.ts');
          const rep = await restoreBackup({ client: target.client, backup, dbName: target.dbName, progress: err });
          console.log(`restored ${rep.restored.join(', ') || 'nothing'} into ${rep.dbName}${rep.dropped.length ? `; dropped ${rep.dropped.join(', ')} (created after the backup)` : ''}`);
        });
      });

    targetCommand(migrate, 'down', 'run down() of every applied migration numbered above N, newest first (a protected environment: refused)')
      .requiredOption('--to <N>', 'the migration number to go back to (0 = before the first)')
      .option('--protected', 'treat the target as protected even if the config does not (protection from the config always applies)')
      .addOption(hidden('--actor <name>', 'older spelling of --as'))
      .action(async (opts: Opts & { to: string }) => {
        const to = await positiveInt(opts.to, 0, '--to must be a migration number (0 or more)', 'shipgate migrate down --to 2');
        await withTarget(opts, 'shipgate migrate down --to N [--env name]', true, async (target, r) => {
          const { migrateDown } = await import('../../migrate/down.ts');
          const { presentError } = await import('../../errors.ts');
          const rep = await interruptible((signal) =>
            migrateDown(target, {
              to, actor: r.identity.id, protected: r.protection.protected, ...(r.protection.why ? { protectedBecause: r.protection.why } : {}),
              ...(r.protection.env ? { protectedEnv: r.protection.env } : {}), signal, progress: err,
            }),
          );
          console.log(`reverted: ${rep.reverted.join(', ') || 'none'}${rep.notReverted.length ? `; not reverted: ${rep.notReverted.join(', ')}` : ''}`);
          if (rep.failed) console.error(presentError(rep.failed.error, 'terminal'));
          if (!rep.ok) process.exitCode = 1;
        });
      });

    targetCommand(migrate, 'adopt', "take over from migrate-mongo: record the migrations its changelog shows as applied, without running them")
      .requiredOption('--from <tool>', 'the tool that applied them: migrate-mongo')
      .option('--source <collection>', "migrate-mongo's changelog collection (its changelogCollectionName)", 'changelog')
      .option('--dry-run', 'show what would be recorded; write nothing')
      .option('--protected', 'treat the target as protected even if the config does not')
      .option('--json', 'print the report as JSON')
      .action(async (opts: Opts & { from: string; source: string; dryRun?: boolean; json?: boolean }) => {
        if (opts.from !== 'migrate-mongo') throw await usageError(`--from ${opts.from} is not supported: only migrate-mongo`, 'shipgate migrate adopt --from migrate-mongo [--env name] [--source changelog]');
        await withTarget(opts, 'shipgate migrate adopt --from migrate-mongo [--env name] [--source changelog] [--dry-run]', opts.dryRun !== true, async (target, r) => {
          const { refuseProtected } = await import('../../migrate/cli-target.ts');
          if (!opts.dryRun) refuseProtected(r, 'recording adopted migrations in its changelog');
          const { adoptMigrateMongo } = await import('../../migrate/adopt.ts');
          const rep = await adoptMigrateMongo(target, { sourceCollection: opts.source, actor: r.identity.id, dryRun: opts.dryRun === true, progress: err });
          if (opts.json) return console.log(JSON.stringify(rep, null, 2));
          const verb = rep.dryRun ? 'would record' : 'recorded';
          console.log(`adopt from migrate-mongo (${rep.source}) into ${target.changelogCollection} of ${target.label} (${target.dbName})`);
          console.log(`${verb}: ${rep.recorded.map((e) => e.id).join(', ') || 'none'}`);
          if (rep.alreadyRecorded.length) console.log(`already recorded: ${rep.alreadyRecorded.join(', ')}`);
          if (rep.pending.length) console.log(`pending (not applied by migrate-mongo; shipgate migrate apply runs them): ${rep.pending.join(', ')}`);
          for (const s of rep.skipped) console.log(`not recorded: ${s.fileName}: ${s.problem}`);
          if (rep.skipped.length) process.exitCode = 1;
        });
      });

    common(migrate.command('create').description('write a new migration file, numbered after the last one, from the folder\'s template (never overwrites)'))
      .argument('<name>', 'what it does, e.g. add-index (letters, digits, - and _)')
      .option('--dir <folder>', 'migrations folder (default: migrations.dir of the config, relative to the repository; else app/migrations)')
      .action(async (name: string, opts: Opts) => {
        const { createMigration } = await import('../../migrate/create.ts');
        const { findWorkspace, inRepo } = await import('../../repo.ts');
        const { resolve, relative } = await import('node:path');
        const { existsSync } = await import('node:fs');
        if (opts.config === '') throw await usageError('--config is empty', '-f, --config <file> (e.g. .github/shipgate.yml)');
        const ws = findWorkspace({ ...(opts.config !== undefined ? { config: opts.config } : {}) });
        let dir = opts.dir !== undefined ? resolve(opts.dir) : undefined;
        if (dir === undefined) {
          let configured = 'app/migrations';
          if (ws.configNamed || existsSync(ws.configFile)) {
            const { loadConfig } = await import('../../config/load.ts');
            configured = (await loadConfig({ file: ws.configFile })).migrations.dir;
          }
          dir = inRepo(ws, configured);
        }
        const c = await createMigration({ dir, name, root: ws.root });
        const shown = relative(process.cwd(), c.path) || c.path;
        if (c.createdDir) err(`created the folder ${relative(process.cwd(), dir) || dir}`);
        console.log(`created ${shown.startsWith('..') ? c.path : shown} (template: ${c.template})`);
      });

    common(migrate.command('lint'))
      .description('PR check: new migrations appended after the base, applied ones untouched, every file exports up, risks flagged')
      .requiredOption('--base <ref>', 'git ref of the base branch, e.g. origin/main')
      .option('--dir <folder>', 'migrations folder (default: migrations.dir of the config, relative to the repository; else app/migrations)')
      .option('--markdown', 'print markdown (PR comments, job summaries)')
      .option('--json', 'print JSON')
      .action(async (opts: Opts & { base: string; markdown?: boolean; json?: boolean }) => {
        const { resolveMigrate } = await import('../../migrate/cli-target.ts');
        const r = await resolveMigrate({ ...(opts.config !== undefined ? { config: opts.config } : {}), ...(opts.dir !== undefined ? { dir: opts.dir } : {}) }, { writing: false, use: 'shipgate migrate lint --base origin/main' });
        const { lintMigrations, renderLintMarkdown, renderLintText } = await import('../../migrate/lint.ts');
        const rep = await lintMigrations({ dir: r.dir, baseRef: opts.base });
        console.log(opts.json ? JSON.stringify(rep, null, 2) : opts.markdown ? renderLintMarkdown(rep) : renderLintText(rep));
        if (!rep.ok) process.exitCode = 1;
      });
  },
};

function hidden(flags: string, description: string): Option {
  return new Option(flags, description).hideHelp();
}
