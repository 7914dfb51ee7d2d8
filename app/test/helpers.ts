/** Test helpers: run the app in-process on 127.0.0.1 and call it over real HTTP. */
import { createApp, type App, type AppOptions } from '../src/app.ts';
import { createLogger } from '../src/log.ts';

export interface RunningApp {
  app: App;
  base: string;
  /** Every log line the app wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startApp(opts: Partial<AppOptions> & { mongoUri: string }): Promise<RunningApp> {
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>) });
  const app = createApp({ version: '1.2.3', commit: 'abc1234', logger, ...opts });
  const port = await app.listen(0);
  return { app, base: `http://127.0.0.1:${port}`, logs, close: () => app.close() };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function call(base: string, path: string, init: RequestInit & { json?: unknown } = {}): Promise<JsonResponse> {
  const { json, ...rest } = init;
  const res = await fetch(base + path, {
    ...rest,
    ...(json === undefined ? {} : { body: JSON.stringify(json), headers: { 'content-type': 'application/json', ...rest.headers } }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** Polls `check` until it returns true or `timeoutMs` passes (then fails with `what`). */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
