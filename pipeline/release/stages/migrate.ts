/** Migration stages: plan (read-only), rehearse on a copy, backup, apply (approval-checked on protected targets). */
import { planMigrations, collectionsTouched, type Plan } from '../../migrate/plan.ts';
import { rehearseMigrations } from '../../migrate/rehearse.ts';
import { applyMigrations } from '../../migrate/apply.ts';
import { backupCollections } from '../../migrate/backup.ts';
import { renderPlanMarkdown } from '../../migrate/render.ts';
import { presentError } from '../../errors.ts';
import { runGuarded, type GateResult } from '../../gates/types.ts';
import type { StageSpec } from '../runner.ts';
import type { EnvironmentRuntime, StageWiring } from './runtime.ts';
import type { TargetPlanSummary, ReleaseRecord } from '../types.ts';
import { approvalState, type ApprovalPolicy } from '../approvals.ts';

export function planLines(plan: Plan): string[] {
  return plan.pending.flatMap((m) =>
    m.writes.length === 0
      ? [`${m.id}: no writes`]
      : m.writes.map((w) => `${m.id}: ${w.collection} ${w.op}${w.matched !== undefined && w.matched !== null ? ` → ${w.matched} document${w.matched === 1 ? '' : 's'}` : ''}${w.detail ? ` (${w.detail})` : ''}${w.risky ? ' ⚠' : ''}`),
  );
}

export function summarizePlan(env: string, plan: Plan): TargetPlanSummary {
  return {
    env,
    digest: plan.digest,
    pending: plan.pending.map((m) => m.id),
    lines: planLines(plan),
    approximate: plan.approximate,
    irreversible: plan.pending.filter((m) => m.irreversible).map((m) => m.id),
    breaking: plan.pending.filter((m) => m.breaking).map((m) => m.id),
  };
}

export async function planEnvironment(rt: EnvironmentRuntime, signal?: AbortSignal): Promise<Plan> {
  return planMigrations(await rt.migrationTarget(), signal ? { signal } : {});
}

type Outcome = Omit<GateResult, 'gate' | 'startedAt' | 'durationMs'>;

const errorText = (err: unknown) => presentError(err, 'terminal').split('\n')[0]?.replace(/^✗ /, '') ?? String(err);

export function migrateStages(rt: EnvironmentRuntime, wiring: StageWiring, policy: ApprovalPolicy): StageSpec[] {
  const env = rt.name;
  const plan: StageSpec = {
    env, name: 'migrate-plan', writes: false, rerunnable: true,
    run: ({ signal }) =>
      runGuarded('migrate-plan', async (): Promise<Outcome> => {
        const p = await planEnvironment(rt, signal);
        const n = p.pending.length;
        return {
          status: 'passed',
          summary: n === 0 ? 'no pending migrations' : `${n} pending: ${p.pending.map((m) => m.id).join(', ')}${p.approximate ? ' (approximate counts)' : ''}`,
          details: renderPlanMarkdown(p),
          metrics: { pending: n, approximate: p.approximate, risks: p.risks.length },
        };
      }),
  };
  const rehearse: StageSpec = {
    env, name: 'migrate-rehearse', writes: false, rerunnable: true,
    run: ({ signal, progress }) =>
      runGuarded('migrate-rehearse', async (): Promise<Outcome> => {
        const r = await rehearseMigrations(await rt.migrationTarget(), { signal, progress });
        const applied = r.migrations.filter((m) => m.status === 'applied').length;
        const docs = r.collections.reduce((n, c) => n + (c.before?.documents ?? 0), 0);
        const failed = r.migrations.find((m) => m.status === 'failed');
        return {
          status: r.ok ? 'passed' : 'failed',
          summary: r.ok
            ? r.migrations.length === 0 ? 'nothing to rehearse' : `${applied} migration(s) rehearsed on a copy (${docs} documents)`
            : `rehearsal failed at ${failed?.id ?? 'copy'}: ${failed?.error ?? (r.error ? errorText(r.error) : 'unknown error')}`,
          details: ['| collection | before | after |', '|---|---|---|', ...r.collections.map((c) => `| ${c.name} | ${c.before?.documents ?? '—'} | ${c.after?.documents ?? '—'} |`)].join('\n'),
          metrics: { migrations: r.migrations.length, applied, copyMs: Math.round(r.copyMs) },
        };
      }),
  };
  const backup: StageSpec = {
    env, name: 'backup', writes: true, rerunnable: true,
    run: ({ release, signal, progress, patch }) =>
      runGuarded('backup', async (): Promise<Outcome> => {
        const target = await rt.migrationTarget();
        const p = await planMigrations(target, { signal });
        if (p.pending.length === 0) return { status: 'skipped', summary: 'nothing to back up: no pending migrations', details: '', metrics: {} };
        const name = await backupCollections(target, { collections: collectionsTouched(p), releaseId: release._id, actor: wiring.actor, signal, progress });
        await patch((r) => void (r.backups = { ...r.backups, [env]: name }));
        return { status: 'passed', summary: `backed up ${collectionsTouched(p).join(', ')} into ${name}`, details: `restore: \`shipgate migrate restore ${name}\``, metrics: { backup: name } };
      }),
  };
  const apply: StageSpec = {
    env, name: 'migrate-apply', writes: true, rerunnable: true,
    run: ({ release, signal, progress }) =>
      runGuarded('migrate-apply', async (): Promise<Outcome> => {
        const report = await applyMigrations(await rt.migrationTarget(), {
          actor: wiring.actor,
          releaseId: release._id,
          protected: rt.protected,
          approval: approvalCheckFor(release, policy),
          signal,
          progress,
        });
        const applied = report.applied.map((a) => a.id);
        if (report.ok) {
          return { status: 'passed', summary: applied.length ? `applied ${applied.join(', ')}` : 'no pending migrations', details: '', metrics: { applied: applied.length } };
        }
        return {
          status: 'failed',
          summary: report.failed ? `${report.failed.id} failed: ${errorText(report.failed.error)}; applied: ${applied.join(', ') || 'none'}` : `interrupted; applied: ${applied.join(', ') || 'none'}`,
          details: report.failed ? '```\n' + presentError(report.failed.error) + '\n```' : '',
          metrics: { applied: applied.length, notApplied: report.notApplied.length },
        };
      }),
  };
  return rt.protected && rt.backup ? [rehearse, backup, apply] : rt.protected ? [rehearse, apply] : [plan, rehearse, apply];
}

/** The migration engine asks this right before writing: is the release approved for exactly this plan? */
export function approvalCheckFor(release: ReleaseRecord, policy: ApprovalPolicy) {
  return {
    async check(planDigest: string) {
      if (!release.targetPlan || release.targetPlan.digest !== planDigest) {
        return { ok: false as const, reason: `the plan changed since approval was requested (plan ${planDigest.slice(0, 12)} ≠ approved ${release.targetPlan?.digest.slice(0, 12) ?? 'none'})` };
      }
      const state = approvalState(release, policy, release.digest, new Date());
      return state.approved ? { ok: true as const, approvedBy: state.valid.map((a) => a.person) } : { ok: false as const, reason: state.reason };
    },
  };
}
