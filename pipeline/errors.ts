/**
 * The error catalogue. Every error Shipgate shows a person has a stable code, a message built
 * from its details, a hint that says how to fix it and a link into docs/. Each area declares its
 * own codes with `defineErrors` (pipeline/<area>/errors.ts); they all land in one registry that
 * `shipgate errors` and docs/errors.md list. One presenter turns an error into a terminal line,
 * a Slack message or markdown (PR comments, job summaries).
 */
import { redactText } from './secrets/redact.ts';

export interface ErrorSpec<D> {
  message: (details: D) => string;
  hint?: (details: D) => string;
  /** Path under docs/, with anchor, e.g. "migrations.md#checksum-drift". */
  docs?: string;
  /** Process exit code for the CLI (default 1). */
  exitCode?: number;
}

const registry = new Map<string, ErrorSpec<never>>();

export class ShipgateError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown>;
  readonly hint: string | undefined;
  readonly docs: string | undefined;
  readonly exitCode: number;

  constructor(code: string, message: string, opts: { details?: object; hint?: string; docs?: string; exitCode?: number; cause?: unknown } = {}) {
    super(redactText(message), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ShipgateError';
    this.code = code;
    this.details = { ...(opts.details ?? {}) } as Record<string, unknown>;
    this.hint = opts.hint === undefined ? undefined : redactText(opts.hint);
    this.docs = opts.docs;
    this.exitCode = opts.exitCode ?? 1;
  }
}

type Factories<T> = { [K in keyof T]: T[K] extends ErrorSpec<infer D> ? (details: D, cause?: unknown) => ShipgateError : never };

export function defineErrors<const T extends Record<string, ErrorSpec<never>>>(specs: T): Factories<T> {
  const out: Record<string, (d: unknown, cause?: unknown) => ShipgateError> = {};
  for (const [code, spec] of Object.entries(specs)) {
    if (!/^SHIPGATE_[A-Z0-9_]+$/.test(code)) throw new Error(`error code ${code} must match SHIPGATE_[A-Z0-9_]+`);
    if (registry.has(code) && registry.get(code) !== spec) throw new Error(`error code ${code} is defined twice`);
    registry.set(code, spec);
    const s = spec as unknown as ErrorSpec<unknown>;
    out[code] = (details: unknown, cause?: unknown) =>
      new ShipgateError(code, s.message(details), {
        details: details as object,
        ...(s.hint ? { hint: s.hint(details) } : {}),
        ...(s.docs ? { docs: s.docs } : {}),
        ...(s.exitCode ? { exitCode: s.exitCode } : {}),
        cause,
      });
  }
  return out as Factories<T>;
}

export function registeredErrorCodes(): string[] {
  return [...registry.keys()].sort();
}

export function isShipgateError(err: unknown): err is ShipgateError {
  return err instanceof ShipgateError;
}

export const DOCS_BASE = 'https://github.com/shipgate/shipgate/blob/main/docs/';

/**
 * Terminal and markdown (job summaries, PR checks). Slack has its own presenter, which escapes
 * outside text as mrkdwn (slackError in bot/slack/mrkdwn.ts).
 */
export type ErrorAudience = 'terminal' | 'markdown';

/** Any thrown value as a ShipgateError: unknown ones become SHIPGATE_INTERNAL with their message, redacted. */
export function toShipgateError(err: unknown): ShipgateError {
  return isShipgateError(err)
    ? err
    : new ShipgateError('SHIPGATE_INTERNAL', err instanceof Error ? err.message : String(err), {
        hint: 'this is a bug in Shipgate or an unexpected failure; run again with SHIPGATE_DEBUG=1 for the stack',
      });
}

/** The one presenter for text and markdown. */
export function presentError(err: unknown, audience: ErrorAudience = 'terminal'): string {
  const e = toShipgateError(err);
  const docs = e.docs ? `${DOCS_BASE}${e.docs}` : undefined;
  switch (audience) {
    case 'terminal':
      return [`✗ ${e.code}: ${e.message}`, e.hint ? `  hint: ${e.hint}` : '', docs ? `  docs: ${docs}` : ''].filter(Boolean).join('\n');
    case 'markdown':
      return [`**${e.code}**: ${e.message}`, e.hint ? `> ${e.hint}` : '', docs ? `[docs](${docs})` : ''].filter(Boolean).join('\n\n');
  }
}

/** Errors of the foundation itself (the embedded server, environment, internals). */
export const coreErrors = defineErrors({
  SHIPGATE_FERRETDB_MISSING: {
    message: (d: { binary: string }) => `the embedded MongoDB-compatible server is not built (not found: ${d.binary})`,
    hint: () => 'run `npx shipgate setup` (builds FerretDB with Go once, into ~/.cache/shipgate; in a Shipgate checkout `npm run setup`), or set SHIPGATE_FERRETDB_BIN to a built binary, or use a MongoDB server (SHIPGATE_STORE_URI; MONGODB_URI for the tests)',
    docs: 'ferretdb.md',
  },
  SHIPGATE_FERRETDB_START: {
    message: (d: { port: number; reason: string; stderr: string }) =>
      `the embedded server on 127.0.0.1:${d.port} did not start: ${d.reason}${d.stderr ? `\n${d.stderr.trim()}` : ''}`,
    hint: () => 'rebuild it with `rm -rf tools/bin && npm run setup`; check that the temp folder is writable',
    docs: 'ferretdb.md',
  },
  SHIPGATE_ENV_MISSING: {
    message: (d: { variable: string; purpose: string }) => `environment variable ${d.variable} is not set (${d.purpose})`,
    hint: (d: { variable: string }) => `export ${d.variable}=… in your shell, or add it as a secret of the GitHub environment`,
    docs: 'configuration.md#secrets',
  },
  SHIPGATE_USAGE: {
    message: (d: { problem: string }) => d.problem,
    hint: (d: { usage?: string }) => (d.usage ? `usage: ${d.usage}` : 'run `shipgate --help`'),
    exitCode: 2,
  },
});
