/**
 * Fake of a deploy hook (Render / Vercel style), for tests and the local demo only. A deploy hook
 * is a secret URL: a POST to it starts a deploy (Render: https://render.com/docs/deploy-hooks,
 * answers 200 with `{ deploy: { id } }`; Vercel: https://vercel.com/docs/deploy-hooks, answers
 * 201 with `{ job: { id, state, createdAt } }`). This fake serves the hook at
 * `/deploy/<secret>` (answering like Render) and an optional status endpoint at `/status`
 * answering `{ status }` from a scripted sequence (one step per read), the contract Shipgate's
 * webhook provider documents for `statusUrl`.
 */
import { sendJson, startFakeServer, type FakeServer } from './http-fake.ts';

export interface DeployHookFakeOptions {
  /** The secret path segment of the hook URL. */
  secret: string;
  /** HTTP status the hook answers with (default 200). */
  hookStatus?: number;
  /** Statuses `/status` goes through, one per read (default: building → live). */
  statuses?: string[];
}

export interface DeployHookFake extends FakeServer {
  hookUrl: string;
  statusUrl: string;
  /** Bodies POSTed to the hook. */
  hookCalls: unknown[];
  setStatuses(statuses: string[]): void;
}

export async function startDeployHookFake(opts: DeployHookFakeOptions): Promise<DeployHookFake> {
  const hookCalls: unknown[] = [];
  let statuses = opts.statuses ?? ['building', 'live'];
  let step = -1;
  let seq = 0;
  const server = await startFakeServer((req, res) => {
    if (req.method === 'POST' && req.path === `/deploy/${opts.secret}`) {
      hookCalls.push(req.body);
      step = -1;
      const status = opts.hookStatus ?? 200;
      return sendJson(res, status, status < 300 ? { deploy: { id: `dep-hook-${++seq}` } } : { message: 'deploy hook refused' });
    }
    if (req.method === 'POST' && req.path.startsWith('/deploy/')) return sendJson(res, 404, { message: 'Not Found' });
    if (req.method === 'GET' && req.path === '/status') {
      step = Math.min(step + 1, statuses.length - 1);
      return sendJson(res, 200, { status: statuses[step] ?? 'building' });
    }
    return sendJson(res, 404, { message: 'Not Found' });
  });
  return {
    ...server,
    hookUrl: `${server.url}/deploy/${opts.secret}`,
    statusUrl: `${server.url}/status`,
    hookCalls,
    setStatuses: (s) => {
      statuses = s;
      step = -1;
    },
  };
}
