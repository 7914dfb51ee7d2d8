/**
 * `/deploy …` parsed once at the edge (zod): the text Slack sends becomes a typed command, or a
 * problem that names what was wrong and the right form.
 */
import { z } from 'zod';
import { MAX_REASON } from './blocks.ts';
import { BREAK_GLASS_REASON } from '../../pipeline/release/window-policy.ts';
import { code, codeBlock, joinMrkdwn, mrkdwn, type Mrkdwn } from './mrkdwn.ts';

export type DeployCommand =
  | { kind: 'release'; env: string; ref?: string; breakGlass?: string }
  | { kind: 'status' }
  | { kind: 'dashboard' }
  | { kind: 'help' }
  | { kind: 'lock'; env: string; reason: string }
  | { kind: 'unlock'; env: string }
  | { kind: 'rollback'; env: string };

export type ParsedCommand = { ok: true; command: DeployCommand } | { ok: false; problem: string; usage: string };

export const USAGE: Record<DeployCommand['kind'], string> = {
  release: '/deploy <environment> [ref] [--break-glass <reason>]   e.g. /deploy staging, /deploy production v1.4.0, /deploy production --break-glass hotfix for INC-142',
  status: '/deploy status',
  dashboard: '/deploy dashboard',
  help: '/deploy help',
  lock: '/deploy lock <environment> <reason>   e.g. /deploy lock production quarter-end freeze',
  unlock: '/deploy unlock <environment>',
  rollback: '/deploy rollback <environment>   e.g. /deploy rollback production',
};

export function helpText(environments: readonly string[]): Mrkdwn {
  return joinMrkdwn(
    [
      mrkdwn`*Shipgate* — ${code('/deploy')} commands:`,
      ...environments.map((e) => mrkdwn`• ${code(`/deploy ${e} [ref]`)} — release a ref (default main) to ${e}`),
      mrkdwn`• ${code('/deploy <environment> [ref] --break-glass <reason>')} — approvers: release while a deploy window is closed (approval still needed)`,
      mrkdwn`• ${code('/deploy status')} — each environment: version, slot, release in flight, locks, deploy windows and freezes`,
      mrkdwn`• ${code('/deploy dashboard')} — a sign-in link to the release dashboard (only you see it; it works once, for 10 minutes)`,
      mrkdwn`• ${code('/deploy lock <environment> <reason>')} — freeze an environment`,
      mrkdwn`• ${code('/deploy unlock <environment>')} — lift a freeze`,
      mrkdwn`• ${code('/deploy rollback <environment>')} — switch the public host back to the previous deployment`,
      mrkdwn`• ${code('/deploy help')} — this message`,
    ],
    '\n',
  );
}

const REF = /^(?!-)[A-Za-z0-9._/@-]{1,200}$/;
const BREAK_GLASS_FLAG = /^(--|—|–)break-glass$/i;

function schemas(environments: readonly string[]) {
  const env = z.string().refine((e) => environments.includes(e), { error: (i) => `unknown environment "${String(i.input)}" (known: ${environments.join(', ')})` });
  return {
    release: z.object({ env, ref: z.string().regex(REF, { error: (i) => `"${String(i.input)}" is not a git ref (branch, tag or sha)` }).optional(), extra: z.array(z.string()).max(0, { error: 'takes at most one ref' }) }),
    lock: z.object({
      env,
      reason: z
        .string()
        .min(3, { error: 'needs a reason (at least 3 characters), shown to anyone who tries to release' })
        .max(MAX_REASON, { error: (i) => `reason is ${String(i.input).length} characters long; at most ${MAX_REASON} are accepted` }),
    }),
    breakGlass: z
      .string()
      .min(BREAK_GLASS_REASON.min, { error: `needs a reason (at least ${BREAK_GLASS_REASON.min} characters): it goes in the audit log and the approval request` })
      .max(BREAK_GLASS_REASON.max, { error: (i) => `reason is ${String(i.input).length} characters long; at most ${BREAK_GLASS_REASON.max} are accepted` }),
    env: z.object({ env, extra: z.array(z.string()).max(0, { error: 'takes only the environment' }) }),
    none: z.object({ extra: z.array(z.string()).max(0, { error: 'takes no arguments' }) }),
  };
}

/** The schemas of one environment list, built once (every /deploy is parsed before its ack). */
const built = new WeakMap<readonly string[], ReturnType<typeof schemas>>();
function schemasFor(environments: readonly string[]): ReturnType<typeof schemas> {
  let s = built.get(environments);
  if (!s) built.set(environments, (s = schemas(environments)));
  return s;
}

function firstProblem(err: z.ZodError): string {
  const issue = err.issues[0];
  return issue ? issue.message : 'invalid command';
}

export function parseDeployCommand(text: string, environments: readonly string[]): ParsedCommand {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const [head, ...rest] = words;
  const s = schemasFor(environments);
  const fail = (kind: DeployCommand['kind'], problem: string): ParsedCommand => ({ ok: false, problem, usage: USAGE[kind] });
  if (!head) return { ok: false, problem: '/deploy needs a subcommand', usage: Object.values(USAGE).join('\n') };
  const sub = head.toLowerCase();
  switch (sub) {
    case 'help':
    case 'dashboard':
    case 'status': {
      const r = s.none.safeParse({ extra: rest });
      return r.success ? { ok: true, command: { kind: sub } } : fail(sub, `/deploy ${sub} ${firstProblem(r.error)}`);
    }
    case 'lock': {
      if (!rest[0]) return fail('lock', '/deploy lock needs an environment and a reason');
      const r = s.lock.safeParse({ env: rest[0], reason: rest.slice(1).join(' ') });
      return r.success ? { ok: true, command: { kind: 'lock', env: r.data.env, reason: r.data.reason } } : fail('lock', `/deploy lock ${firstProblem(r.error)}`);
    }
    case 'unlock':
    case 'rollback': {
      if (!rest[0]) return fail(sub, `/deploy ${sub} needs an environment`);
      const r = s.env.safeParse({ env: rest[0], extra: rest.slice(1) });
      return r.success ? { ok: true, command: { kind: sub, env: r.data.env } } : fail(sub, `/deploy ${sub} ${firstProblem(r.error)}`);
    }
    default: {
      if (!environments.includes(head)) {
        return { ok: false, problem: `unknown subcommand "${head}" (environments: ${environments.join(', ')})`, usage: Object.values(USAGE).join('\n') };
      }
      // `--break-glass <reason>` ends the command; Slack clients may turn `--` into a dash (— or –).
      const glass = rest.findIndex((w) => BREAK_GLASS_FLAG.test(w));
      const args = glass < 0 ? rest : rest.slice(0, glass);
      const r = s.release.safeParse({ env: head, ref: args[0], extra: args.slice(1) });
      if (!r.success) return fail('release', `/deploy ${head} ${firstProblem(r.error)}`);
      let breakGlass: string | undefined;
      if (glass >= 0) {
        const g = s.breakGlass.safeParse(rest.slice(glass + 1).join(' '));
        if (!g.success) return fail('release', `/deploy ${head} --break-glass ${firstProblem(g.error)}`);
        breakGlass = g.data;
      }
      return { ok: true, command: { kind: 'release', env: r.data.env, ...(r.data.ref ? { ref: r.data.ref } : {}), ...(breakGlass !== undefined ? { breakGlass } : {}) } };
    }
  }
}

/** The ephemeral answer to a malformed command: what was wrong, then the right form. */
export function usageMessage(p: { problem: string; usage: string }): Mrkdwn {
  return mrkdwn`:warning: ${p.problem}\nUsage:\n${codeBlock(p.usage.split('\n'))}`;
}
