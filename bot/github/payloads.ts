/**
 * The webhook payloads the app acts on, validated once at the edge (webhook-edge.ts, after the
 * signature check) and again where a handler reads them (probot.receive skips the edge). Only the
 * fields declared here reach a handler: unknown fields are dropped. Anything else is a 400.
 */
import { z } from 'zod';

const repository = z.object({
  full_name: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name'),
  name: z.string().min(1).max(100),
  owner: z.object({ login: z.string().min(1).max(100) }),
});
const installation = z.object({ id: z.number().int().positive() });
const common = { action: z.string().max(100).optional(), repository, installation: installation.optional() };

/** owner, repo and run id from a deployment_callback_url (github.com or GHES's /api/v3). */
export function callbackTarget(url: string): { owner: string; repo: string; runId: number } | undefined {
  const m = /\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/deployment_protection_rule\/?$/.exec(url);
  return m ? { owner: decodeURIComponent(m[1]!), repo: decodeURIComponent(m[2]!), runId: Number(m[3]) } : undefined;
}

export const deploymentProtectionRulePayload = z
  .object({
    ...common,
    environment: z.string().min(1).max(255),
    deployment_callback_url: z.string().max(2048),
  })
  .superRefine((p, ctx) => {
    const target = callbackTarget(p.deployment_callback_url);
    if (!target) ctx.addIssue({ code: 'custom', path: ['deployment_callback_url'], message: 'is not a …/actions/runs/{run_id}/deployment_protection_rule URL' });
    else if (`${target.owner}/${target.repo}`.toLowerCase() !== p.repository.full_name.toLowerCase()) {
      ctx.addIssue({ code: 'custom', path: ['deployment_callback_url'], message: 'names another repository than the payload' });
    }
  });

export const workflowRunPayload = z.object({
  ...common,
  workflow_run: z.object({
    id: z.number().int().positive(),
    name: z.string().nullish(),
    display_title: z.string().nullish(),
    html_url: z.string(),
    conclusion: z.string().nullish(),
  }),
});

export const deploymentStatusPayload = z.object({
  ...common,
  deployment_status: z.object({
    state: z.string().max(100),
    log_url: z.string().nullish(),
    target_url: z.string().nullish(),
    description: z.string().nullish(),
  }),
  deployment: z.object({ environment: z.string().max(255) }),
  workflow_run: z.object({ id: z.number().int().positive(), display_title: z.string().nullish() }).nullish(),
});

export const handledPayloads = {
  deployment_protection_rule: deploymentProtectionRulePayload,
  workflow_run: workflowRunPayload,
  deployment_status: deploymentStatusPayload,
} as const;
export type HandledEvent = keyof typeof handledPayloads;
export type PayloadOf<E extends HandledEvent> = z.infer<(typeof handledPayloads)[E]>;

export function isHandledEvent(name: string): name is HandledEvent {
  return Object.hasOwn(handledPayloads, name);
}

/** The typed payload, or a one-line reason naming the first bad field (no internals). */
export function parsePayload<E extends HandledEvent>(event: E, payload: unknown): { ok: true; payload: PayloadOf<E> } | { ok: false; problem: string } {
  const res = handledPayloads[event].safeParse(payload);
  if (res.success) return { ok: true, payload: res.data as PayloadOf<E> };
  const issue = res.error.issues[0]!;
  const where = issue.path.length ? issue.path.map(String).join('.') : 'the payload';
  const message = payload === null || typeof payload !== 'object' ? 'must be a JSON object' : issue.message;
  return { ok: false, problem: `invalid ${event} payload: ${issue.path.length ? where : 'the payload'} ${message.replace(/^Invalid input: /, '')}`.slice(0, 300) };
}
