/**
 * Glue for smoke suites: where the deployment is (BASE_URL), optional auth from env, a small JSON
 * client over fetch, and the cleanup rule — every note a smoke run creates carries the tag
 * `shipgate-smoke`, and `useSmokeCleanup()` deletes every such note before and after the suite,
 * so even a failed nightly run against production leaves nothing behind.
 */
import { afterAll, beforeAll } from 'vitest';

export const SMOKE_TAG = 'shipgate-smoke';

export function baseUrl(): string {
  // Vite overwrites BASE_URL with its base path ("/") inside vitest workers; the gate also passes SHIPGATE_BASE_URL.
  const url = process.env.SHIPGATE_BASE_URL || process.env.BASE_URL;
  if (!url || !/^https?:\/\//.test(url)) throw new Error('BASE_URL is not set to an http(s) URL: smoke suites run through `shipgate smoke --url <deployment>`');
  return url.replace(/\/+$/, '');
}

/** Authorization from env: SMOKE_AUTH_HEADER (a full header value) or SMOKE_TOKEN (sent as Bearer). */
function authHeaders(): Record<string, string> {
  if (process.env.SMOKE_AUTH_HEADER) return { authorization: process.env.SMOKE_AUTH_HEADER };
  if (process.env.SMOKE_TOKEN) return { authorization: `Bearer ${process.env.SMOKE_TOKEN}` };
  return {};
}

export interface JsonAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export async function api(path: string, init: { method?: string; json?: unknown; timeoutMs?: number } = {}): Promise<JsonAnswer> {
  const res = await fetch(baseUrl() + path, {
    method: init.method ?? 'GET',
    headers: { accept: 'application/json', ...authHeaders(), ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text for the assertion message */
  }
  return { status: res.status, headers: res.headers, body };
}

/** Deletes every note tagged shipgate-smoke; returns how many it deleted. */
export async function deleteSmokeNotes(): Promise<number> {
  let deleted = 0;
  for (let round = 0; round < 50; round++) {
    const list = await api(`/notes?tag=${SMOKE_TAG}&limit=100`);
    if (list.status !== 200) throw new Error(`cleanup: GET /notes?tag=${SMOKE_TAG} answered HTTP ${list.status}`);
    const items = (list.body?.items ?? []) as Array<{ id: string }>;
    if (items.length === 0) return deleted;
    for (const note of items) {
      const del = await api(`/notes/${note.id}`, { method: 'DELETE' });
      if (del.status !== 204 && del.status !== 404) throw new Error(`cleanup: DELETE /notes/${note.id} answered HTTP ${del.status}`);
      deleted++;
    }
  }
  throw new Error(`cleanup: smoke notes are still listed after 50 rounds of deletion`);
}

/** Registers cleanup before (leftovers of a crashed run) and after the suite (pass or fail). */
export function useSmokeCleanup(): void {
  beforeAll(async () => {
    await deleteSmokeNotes();
  });
  afterAll(async () => {
    await deleteSmokeNotes();
  });
}

export function smokeTitle(what: string): string {
  return `smoke ${what} ${new Date().toISOString()} ${Math.random().toString(36).slice(2, 8)}`;
}
