/**
 * Masks secrets before anything is logged, stored or posted — the one place that knows what a
 * secret looks like. Two layers: values registered at start-up (tokens read from env) are masked
 * wherever they appear; and well-known shapes (passwords in connection strings, Slack, GitHub and
 * bearer tokens, private keys) are masked even when nobody registered them.
 */
const MASK = '***';
const registered = new Set<string>();

/** Register secret values (e.g. every env var named in config as a secret). Short values are ignored. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) registered.add(value);
}

const PATTERNS: Array<[RegExp, string | ((...m: string[]) => string)]> = [
  // scheme://user:password@host → scheme://user:***@host
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+):([^\s@/]+)@/gi, (_m, head) => `${head}:${MASK}@`],
  [/\bxox[abposr]-[A-Za-z0-9-]{6,}/g, 'xox?-' + MASK],
  [/\bxapp-[A-Za-z0-9-]{6,}/g, 'xapp-' + MASK],
  [/\b(gh[pousr]_)[A-Za-z0-9]{20,}/g, (_m, p) => p + MASK],
  [/\bgithub_pat_[A-Za-z0-9_]{20,}/g, 'github_pat_' + MASK],
  [/\b(Bearer|token)\s+[A-Za-z0-9._~+/=-]{12,}/gi, (_m, p) => `${p} ${MASK}`],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, `-----BEGIN PRIVATE KEY-----${MASK}-----END PRIVATE KEY-----`],
];

export function redactText(text: string): string {
  let out = text;
  for (const value of registered) {
    if (out.includes(value)) out = out.split(value).join(MASK);
  }
  for (const [re, rep] of PATTERNS) {
    out = out.replace(re, rep as never);
  }
  return out;
}

/** A connection string with its password masked, for messages that must name the server. */
export function redactUri(uri: string): string {
  return redactText(uri);
}

/** Deeply redacts every string in a JSON-like value (records, bodies, gate details). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = /pass(word)?|secret|token|authorization|api[-_]?key/i.test(k) && typeof v === 'string' ? MASK : redactDeep(v);
    }
    return out as T;
  }
  return value;
}
