/**
 * Release commands: release (and resume/show), approve, reject, status, lock, unlock, audit,
 * rollback. Thin: each parses its flags, opens a session and calls the engine. Every one takes
 * -f/--config; those where an identity matters (release, resume, approve, reject, lock, unlock,
 * rollback) take --as.
 */
import type { Command } from 'commander';
import { openSession, openStore, cliIdentity, type Session, type StoreSession } from '../session.ts';
import { ReleaseStore } from '../../release/store.ts';
import { AuditLog } from '../../release/audit.ts';
import { resolveCommit } from '../git.ts';
import { liveRelease } from '../live-release.ts';
import { cliApprovalWaiter } from '../approval-prompt.ts';
import { runRelease } from '../../release/runner.ts';
import { approveRelease, rejectRelease } from '../../release/decide.ts';
import { renderFinal, renderReleaseMarkdown, renderChecklist } from '../../release/render.ts';
import { environmentStatus } from '../../release/status.ts';
import { freezeEnvironment, unfreezeEnvironment } from '../../release/locks.ts';
import { rollbackEnvironment } from '../../release/rollback.ts';
import { assertMayOperate, type Operation } from '../../release/authorize.ts';
import { describeIdentity } from '../../release/approvals.ts';
import { releaseErrors } from '../../release/errors.ts';
import { describeBreakGlass } from '../../release/window-policy.ts';
import { isPidAlive } from '../../local/process-group.ts';
import { coreErrors } from '../../errors.ts';
import { hostname } from 'node:os';
import { environmentByName } from '../../config/lookup.ts';
import type { Identity, ReleaseRecord } from '../../release/types.ts';
import type { CommandModule } from './index.ts';
import { withAsFlag, withConfigFlag, type CommonFlags as Common } from '../workspace.ts';

async function withSession<T>(opts: Common, body: (s: Session) => Promise<T>): Promise<T> {
  const s = await openSession(opts);
  try {
    return await body(s);
  } finally {
    await s.close();
  }
}

/** Read-only commands open the store alone: no provider is built, no environment's secret is needed. */
async function withStore<T>(opts: Common, body: (s: StoreSession) => Promise<T>): Promise<T> {
  const s = await openStore(opts);
  try {
    return await body(s);
  } finally {
    await s.close();
  }
}

/** The engine's rule for lock/unlock/rollback/approve (pipeline/release/authorize.ts); returns who acts. */
function authorizeOperation(s: Session, o: Common, action: Operation, env: string): Identity {
  environmentByName(s.config, env); // an unknown environment: SHIPGATE_CONFIG_UNKNOWN_ENV naming the known ones
  const identity = cliIdentity(o.as, s.env);
  assertMayOperate({ action, env, identity, people: s.config.people, environments: s.config.environments, approvers: s.system.policy.approvers });
  return identity;
}

/** Runs (or resumes) a release with the live checklist and the approval prompt; sets the exit code. */
export async function driveRelease(s: Session, id: string, opts: { approveAs?: string; interactive?: boolean }): Promise<ReleaseRecord> {
  const live = liveRelease();
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write('\ninterrupted: finishing the current step, then stopping (Ctrl-C again to force)\n');
    controller.abort();
    process.once('SIGINT', () => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  try {
    const deps = s.system.runnerDeps({
      signal: controller.signal,
      onUpdate: (r, e) => live.update(r, e),
      waitForApproval: cliApprovalWaiter(
        { store: s.system.store, audit: s.system.audit, policy: s.system.policy },
        { ...(opts.approveAs ? { approveAs: opts.approveAs } : {}), interactive: opts.interactive ?? (process.stdin.isTTY === true && !process.env.CI) },
      ),
    });
    const release = await runRelease(deps, id);
    live.stop();
    const publicUrls = Object.fromEntries(Object.entries(s.system.runtimes).flatMap(([n, rt]) => (rt.dns ? [[n, rt.dns.publicUrl]] : [])));
    console.log(renderFinal(release, publicUrls).join('\n'));
    if (release.status !== 'succeeded' && release.status !== 'awaiting_approval') process.exitCode = 1;
    return release;
  } finally {
    process.removeListener('SIGINT', onSigint);
    live.stop();
  }
}

export const releaseCommands: CommandModule = {
  register(program: Command) {
    // Who acts matters: -f and --as. Read-only commands: -f only.
    const common = (c: Command) => withAsFlag(withConfigFlag(c));
    const reading = (c: Command) => withConfigFlag(c);

    const release = common(program.command('release'))
      .description('release a commit through every gate of the path up to --to (e.g. staging → production)')
      .option('--to <env>', 'the last environment of the release, e.g. production (required)')
      .option('--ref <ref>', 'git ref to release', 'HEAD')
      .option('--sha <sha>', 'commit to release (instead of resolving --ref)')
      .option('--release-version <version>', 'the version the app must report (default 0.0.0-<sha7>)')
      .option('--approve-as <person>', 'record this approver when approval is needed (non-interactive runs)')
      .option('--break-glass <reason>', 'an approver starts the release while a deploy window on its path is closed; the reason goes in the audit log and the approval request (approval is still needed)')
      .action(async (o: Common & { to?: string; ref: string; sha?: string; releaseVersion?: string; approveAs?: string; breakGlass?: string }) => {
        const to = o.to;
        if (!to) throw coreErrors.SHIPGATE_USAGE({ problem: 'shipgate release needs --to <env>', usage: 'shipgate release --to production [--ref main] [--approve-as ana]' });
        await withSession(o, async (s) => {
          const sha = o.sha ?? (await resolveCommit(o.ref, s.workspace.root));
          const r = await s.system.createRelease({
            to, ref: o.ref, sha, version: o.releaseVersion ?? `0.0.0-${sha.slice(0, 7)}`, requester: cliIdentity(o.as, s.env),
            ...(o.breakGlass !== undefined ? { breakGlass: { reason: o.breakGlass } } : {}),
          });
          if (r.breakGlass) console.log(`🔨 ${describeBreakGlass(r.breakGlass)}`);
          await driveRelease(s, r._id, o.approveAs ? { approveAs: o.approveAs } : {});
        });
      });

    common(release.command('resume <id>'))
      .description('continue a release that was interrupted or is waiting for approval')
      .option('--approve-as <person>', 'record this approver when approval is needed')
      .action(async (id: string, _o: unknown, cmd: Command) => {
        // Options may be written before or after `resume` (the parent `release` has the same flags).
        const o = cmd.optsWithGlobals<Common & { approveAs?: string }>();
        await withSession(o, async (s) => {
          const r = await s.system.store.get(id);
          if (r.owner && r.owner.pid !== process.pid && (r.status === 'running') && isLocalPidAlive(r.owner)) {
            throw releaseErrors.SHIPGATE_RELEASE_STATE({ id, status: r.status, wanted: `it is being run by process ${r.owner.pid} on ${r.owner.host}` });
          }
          await s.system.audit.append({ type: 'release.resumed', release: id, actor: cliIdentity(o.as, s.env), data: { status: r.status } });
          await driveRelease(s, id, o.approveAs ? { approveAs: o.approveAs } : {});
        });
      });

    reading(release.command('show <id>'))
      .description('show a release: stages, results, approvals')
      .option('--json', 'print the release record as JSON')
      .option('--markdown', 'print a markdown summary')
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const o = cmd.optsWithGlobals<Common & { json?: boolean; markdown?: boolean }>();
        await withStore(o, async (s) => {
          const r = await new ReleaseStore(s.db).get(id);
          if (o.json) console.log(JSON.stringify(r, null, 2));
          else if (o.markdown) console.log(renderReleaseMarkdown(r));
          else {
            console.log(renderChecklist(r).join('\n'));
            for (const a of r.approvals) console.log(`  approved by ${a.person} at ${a.at} (expires ${a.expiresAt}, digest ${a.digest.slice(0, 12)})`);
            if (r.reason) console.log(`  ${r.status}: ${r.reason}`);
          }
        });
      });

    common(program.command('approve <id>'))
      .description('approve a release waiting for approval (as a configured approver, not its requester)')
      .action(async (id: string, o: Common) => {
        await withSession(o, async (s) => {
          const identity = authorizeOperation(s, o, 'approve', (await s.system.store.get(id)).target);
          const r = await approveRelease({ store: s.system.store, audit: s.system.audit, policy: s.system.policy }, id, identity);
          console.log(`✓ approval of ${describeIdentity(identity)} recorded for ${id}: ${r.state}`);
          if (r.approved) console.log(`  continue it with: shipgate release resume ${id}`);
        });
      });

    common(program.command('reject <id>'))
      .description('reject a release waiting for approval; it ends there')
      .requiredOption('--reason <text>', 'why (shown to the requester and kept in the audit log)')
      .action(async (id: string, o: Common & { reason: string }) => {
        await withSession(o, async (s) => {
          const r = await rejectRelease({ store: s.system.store, audit: s.system.audit, policy: s.system.policy }, id, cliIdentity(o.as, s.env), o.reason);
          console.log(`✗ ${r.reason}`);
        });
      });

    reading(program.command('status'))
      .description('every environment: version, slot, release in flight, and every freeze: locks, the nightly smoke freeze, deploy windows and freeze dates')
      .option('--env <name>', 'only this environment')
      .action(async (o: Common & { env?: string }) => {
        await withSession(o, async (s) => {
          if (o.env !== undefined) environmentByName(s.config, o.env); // unknown: SHIPGATE_CONFIG_UNKNOWN_ENV naming the known ones
          for (const line of onlyEnvironment(await environmentStatus(s.system), o.env)) console.log(line);
        });
      });

    common(program.command('lock <env>'))
      .description('freeze an environment: no release can start there until unlocked')
      .requiredOption('--reason <text>', 'why (shown to anyone who tries to release)')
      .action(async (env: string, o: Common & { reason: string }) => {
        await withSession(o, async (s) => {
          const identity = authorizeOperation(s, o, 'lock', env);
          const by = describeIdentity(identity);
          await freezeEnvironment(s.system.store.db, env, { by, reason: o.reason });
          await s.system.audit.append({ type: 'lock.acquired', env, actor: identity, data: { reason: o.reason, freeze: true } });
          console.log(`🔒 ${env} locked by ${by}: ${o.reason}`);
        });
      });

    common(program.command('unlock <env>'))
      .description('lift a freeze (or clear a dead release lease)')
      .action(async (env: string, o: Common) => {
        await withSession(o, async (s) => {
          const identity = authorizeOperation(s, o, 'unlock', env);
          const was = await unfreezeEnvironment(s.system.store.db, env);
          await s.system.audit.append({ type: 'lock.released', env, actor: identity, data: { was: was?.owner ?? null } });
          console.log(was ? `🔓 ${env} unlocked (was locked by ${was.owner}: ${was.reason})` : `${env} was not locked`);
        });
      });

    const audit = program.command('audit').description('the append-only audit log');
    reading(audit.command('verify'))
      .description('check the hash chain: detects edited or deleted entries')
      .action(async (o: Common) => {
        await withStore(o, async (s) => {
          const v = await new AuditLog(s.db).verify();
          if (v.ok) console.log(`✓ audit chain intact: ${v.entries} entries`);
          else throw releaseErrors.SHIPGATE_AUDIT_BROKEN({ problem: v.problem });
        });
      });
    reading(audit.command('show <release>'))
      .description('the audit entries of one release')
      .action(async (id: string, o: Common) => {
        await withStore(o, async (s) => {
          for (const e of await new AuditLog(s.db).forRelease(id)) {
            console.log(`${String(e._id).padStart(5)} ${e.at} ${e.type.padEnd(26)} ${e.env ?? ''} ${e.actor ? `${e.actor.via}:${e.actor.id}` : ''} ${JSON.stringify(e.data)}`);
          }
        });
      });

    common(program.command('rollback <env>'))
      .description('switch the public host back to the previous deployment')
      .option('--force', 'switch back even after a breaking migration (the old version may fail on the new schema)')
      .action(async (env: string, o: Common & { force?: boolean }) => {
        await withSession(o, async (s) => {
          const identity = authorizeOperation(s, o, 'rollback', env);
          const out = await rollbackEnvironment(s.system, env, { force: o.force === true, actor: identity });
          console.log(out.message);
        });
      });

  },
};

/** The status lines of one environment: its header line (not indented) and the indented lines under it. */
export function onlyEnvironment(lines: readonly string[], env: string | undefined): string[] {
  if (env === undefined) return [...lines];
  let keep = false;
  return lines.filter((line) => {
    if (!line.startsWith(' ')) keep = line === env || line.startsWith(`${env} `);
    return keep;
  });
}

function isLocalPidAlive(owner: { host: string; pid: number }): boolean {
  return owner.host === hostname() && isPidAlive(owner.pid);
}
