/**
 * Webhook deliveries as GitHub sends them: real example payloads from @octokit/webhooks-examples,
 * signed with X-Hub-Signature-256 and posted over HTTP to the bot. GitHub's examples have no
 * deployment_protection_rule payload; that one follows the documented shape
 * (https://docs.github.com/en/webhooks/webhook-events-and-payloads#deployment_protection_rule),
 * built from the example deployment, repository and installation objects.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

interface Definition { name: string; examples: Array<Record<string, unknown> & { action?: string }> }
const definitions = createRequire(import.meta.url)('@octokit/webhooks-examples') as Definition[];

export function example(event: string, action?: string): Record<string, unknown> {
  const def = definitions.find((d) => d.name === event);
  const found = def?.examples.find((e) => action === undefined || e.action === action);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${event}${action ? `.${action}` : ''} example`);
  return structuredClone(found);
}

/**
 * An example payload as the GitHub App's installation on owner/repo delivers it: the repository
 * renamed, and the `installation` every App delivery carries (the examples often lack it).
 */
export function fromRepo<T extends Record<string, unknown>>(payload: T, opts: { owner: string; repo: string; installationId?: number }): T {
  const repository = payload.repository as Record<string, unknown>;
  return {
    ...payload,
    repository: { ...repository, name: opts.repo, full_name: `${opts.owner}/${opts.repo}`, owner: { ...(repository.owner as object), login: opts.owner } },
    installation: { id: opts.installationId ?? 1, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' },
  };
}

export function protectionRulePayload(opts: { owner: string; repo: string; runId: number; environment?: string; installationId?: number }): Record<string, unknown> {
  const base = example('deployment_status') as { deployment: Record<string, unknown>; repository: Record<string, unknown>; sender: unknown };
  const repository = { ...base.repository, name: opts.repo, full_name: `${opts.owner}/${opts.repo}`, owner: { ...(base.repository.owner as object), login: opts.owner } };
  return {
    action: 'requested',
    environment: opts.environment ?? 'production',
    event: 'workflow_dispatch',
    deployment_callback_url: `https://api.github.com/repos/${opts.owner}/${opts.repo}/actions/runs/${opts.runId}/deployment_protection_rule`,
    deployment: { ...base.deployment, environment: opts.environment ?? 'production' },
    repository,
    sender: base.sender,
    installation: { id: opts.installationId ?? 1, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMQ==' },
  };
}

export function sign(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export async function deliver(url: string, opts: { event: string; payload: unknown; secret: string; id?: string; signature?: string }): Promise<{ status: number; id: string; text: string }> {
  const body = JSON.stringify(opts.payload);
  const id = opts.id ?? randomUUID();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': opts.event, 'x-github-delivery': id, 'x-hub-signature-256': opts.signature ?? sign(opts.secret, body), 'user-agent': 'GitHub-Hookshot/test' },
    body,
    signal: AbortSignal.timeout(120_000),
  });
  return { status: res.status, id, text: await res.text() };
}
