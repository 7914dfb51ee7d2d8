/**
 * Masks secrets before anything is logged, stored or posted — the one place that knows what a
 * secret looks like. Two layers: values registered at start-up (tokens read from env) are masked
 * wherever they appear; and well-known shapes (passwords in connection strings, secret query
 * parameters, Slack, GitHub and bearer tokens, private keys) are masked even when nobody
 * registered them.
 *
 * Passwords and tokens are masked, not hosts, users, database or repository names: registering a
 * connection string or URL registers only its password, a token-looking user, secret-named or
 * token-looking query values and (for http(s) URLs) token-looking path segments, so
 * `mongodb://app:pw@db.example.com/prod` reads `mongodb://app:***@db.example.com/prod`.
 *
 * Linear time by construction (redaction runs on every log line, message and record, including
 * text users send): registered values are found in one pass of a single alternation of escaped
 * literals; connection strings and private keys by hand-written scanners that never look at a
 * character twice; the token patterns start with a literal prefix and have no nested or
 * overlapping quantifiers. bench/redact.ts measures 1 MB of hostile text.
 */
const MASK = '***';
/** Registered values shorter than this are ignored (they would mask ordinary words). */
const MIN_SECRET_LENGTH = 6;

const registered = new Set<string>();
/** One alternation of every registered value, longest first; rebuilt lazily after a registration. */
let registeredMatcher: RegExp | null | undefined;

/**
 * Register a secret value (e.g. every env var named in config as a secret). A connection string
 * or URL registers only its secret parts (see the file comment); a multi-line value (a PEM key)
 * also registers its JSON-escaped form and each of its long lines. Short values are ignored.
 */
export function registerSecret(value: string | undefined): void {
  if (!value) return;
  for (const part of secretPartsOf(value)) {
    if (part.length >= MIN_SECRET_LENGTH && !part.includes(MASK) && !registered.has(part)) {
      registered.add(part);
      registeredMatcher = undefined;
    }
  }
}

/** The values registerSecret(value) would mask (for tests and docs; the registry itself is private). */
export function secretPartsOf(value: string): string[] {
  const v = value.trim();
  if (/^[a-z][a-z0-9+.-]{0,31}:\/\/\S+$/i.test(v)) return urlSecretParts(v);
  const parts = [value];
  if (value.includes('\n')) {
    parts.push(JSON.stringify(value).slice(1, -1));
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= 16 && !line.startsWith('-----')) parts.push(line.trim());
  }
  return parts;
}

/**
 * Long, no spaces, letters mixed with digits or with both cases: what API tokens and webhook keys
 * look like (a random 24-character Slack webhook key may have no digit; `deploy-production` is a word).
 */
function looksLikeToken(s: string): boolean {
  return s.length >= 16 && s.length <= 4096 && /^[A-Za-z0-9._~+=-]+$/.test(s) && /[A-Za-z]/.test(s) && (/[0-9]/.test(s) || (/[a-z]/.test(s) && /[A-Z]/.test(s)));
}

const SECRET_PARAM = /pass(word)?|pwd|secret|token|signature|credential|api[-_]?key|access[-_]?key|private[-_]?key|^(key|sig|code|auth)$/i;

function withDecoded(s: string): string[] {
  try {
    const d = decodeURIComponent(s);
    return d === s ? [s] : [s, d];
  } catch {
    return [s];
  }
}

function urlSecretParts(url: string): string[] {
  const parts: string[] = [];
  const schemeEnd = url.indexOf('://');
  const scheme = url.slice(0, schemeEnd).toLowerCase();
  const start = schemeEnd + 3;
  let end = start;
  while (end < url.length && !'/?#'.includes(url[end] as string)) end++;
  const authority = url.slice(start, end);
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) parts.push(...withDecoded(userinfo.slice(colon + 1)));
    else if (looksLikeToken(userinfo)) parts.push(...withDecoded(userinfo));
  }
  const rest = url.slice(end).split('#')[0] as string;
  const q = rest.indexOf('?');
  const path = q >= 0 ? rest.slice(0, q) : rest;
  if (scheme === 'http' || scheme === 'https') {
    for (const segment of path.split('/')) if (looksLikeToken(segment)) parts.push(...withDecoded(segment));
  }
  if (q >= 0) {
    for (const pair of rest.slice(q + 1).split('&')) {
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq);
      const val = pair.slice(eq + 1);
      if (SECRET_PARAM.test(name) || looksLikeToken(val)) parts.push(...withDecoded(val));
    }
  }
  return parts;
}

function escapeRegExp(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

function matcherForRegistered(): RegExp | null {
  if (registeredMatcher === undefined) {
    const values = [...registered].sort((a, b) => b.length - a.length);
    registeredMatcher = values.length ? new RegExp(values.map(escapeRegExp).join('|'), 'g') : null;
  }
  return registeredMatcher;
}

/** Where a URL's authority ends: whitespace, path, query, fragment, quotes and brackets. */
function endsAuthority(c: number): boolean {
  // \t \n \v \f \r space " # ' / < > ? \ ` |
  return c <= 32 || c === 34 || c === 35 || c === 39 || c === 47 || c === 60 || c === 62 || c === 63 || c === 92 || c === 96 || c === 124;
}

/**
 * scheme://user:password@host → scheme://user:***@host (and scheme://<token>@host →
 * scheme://***@host). One forward scan: each `://` is found with indexOf and its authority read
 * once; the next search starts where the authority ended.
 */
export function maskUrlCredentials(text: string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  for (;;) {
    const i = text.indexOf('://', from);
    if (i < 0) break;
    const start = i + 3;
    let end = start;
    let firstColon = -1;
    let lastAt = -1;
    for (; end < text.length; end++) {
      const c = text.charCodeAt(end);
      if (endsAuthority(c)) break;
      if (c === 64) lastAt = end; // @
      else if (c === 58 && firstColon < 0) firstColon = end; // :
    }
    if (lastAt >= 0) {
      if (firstColon >= 0 && firstColon < lastAt) {
        out += text.slice(copied, firstColon + 1) + MASK;
        copied = lastAt;
      } else if (looksLikeToken(text.slice(start, lastAt))) {
        out += text.slice(copied, start) + MASK;
        copied = lastAt;
      }
    }
    // A nested "://" may begin in the last two characters read (`a://b://u:p@h`).
    from = Math.max(i + 1, end - 2);
  }
  return copied === 0 ? text : out + text.slice(copied);
}

const PEM_BEGIN = '-----BEGIN ';
const PEM_BEGIN_TAIL = /[A-Z0-9 ]{0,40}PRIVATE KEY-----/y;
const PEM_END = '-----END ';
const PEM_END_TAIL = /[A-Z0-9 ]{0,40}PRIVATE KEY-----/y;

/**
 * -----BEGIN … PRIVATE KEY----- … -----END … PRIVATE KEY----- → one masked block. A key cut off
 * before its END line (a truncated log) is masked to the end of the text. One forward scan.
 */
export function maskPrivateKeys(text: string): string {
  let out = '';
  let copied = 0;
  let from = 0;
  for (;;) {
    const b = text.indexOf(PEM_BEGIN, from);
    if (b < 0) break;
    PEM_BEGIN_TAIL.lastIndex = b + PEM_BEGIN.length;
    if (!PEM_BEGIN_TAIL.test(text)) {
      from = b + 1;
      continue;
    }
    let end = text.length;
    let search = PEM_BEGIN_TAIL.lastIndex;
    for (;;) {
      const e = text.indexOf(PEM_END, search);
      if (e < 0) break;
      PEM_END_TAIL.lastIndex = e + PEM_END.length;
      if (PEM_END_TAIL.test(text)) {
        end = PEM_END_TAIL.lastIndex;
        break;
      }
      search = e + 1;
    }
    out += text.slice(copied, b) + `-----BEGIN PRIVATE KEY-----${MASK}-----END PRIVATE KEY-----`;
    copied = end;
    from = end;
    if (end === text.length) break;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

type Replacer = string | ((match: string, ...groups: string[]) => string);

/**
 * Token shapes, each tested alone in redact.test.ts. Every pattern begins with a literal, so a
 * match can start only at that literal, and has a single run after it: linear on any input.
 */
export const TOKEN_PATTERNS: ReadonlyArray<{ name: string; re: RegExp; replace: Replacer }> = [
  { name: 'slack', re: /(xox[abposre]-)[A-Za-z0-9-]{6,}/g, replace: (_m, p) => p + MASK },
  { name: 'slack-app', re: /xapp-[A-Za-z0-9-]{6,}/g, replace: 'xapp-' + MASK },
  { name: 'github', re: /(gh[pousr]_)[A-Za-z0-9]{20,}/g, replace: (_m, p) => p + MASK },
  { name: 'github-pat', re: /github_pat_[A-Za-z0-9_]{20,}/g, replace: 'github_pat_' + MASK },
  { name: 'stripe', re: /\b((?:sk|rk)_(?:live|test)_)[A-Za-z0-9]{10,}/g, replace: (_m, p) => p + MASK },
  { name: 'bearer', re: /\b(Bearer|token)[ \t]{1,16}[A-Za-z0-9._~+/=-]{12,}/gi, replace: (_m, p) => `${p} ${MASK}` },
  // ?password=… &token=… &key=… in any URL or query string: the value up to the next separator.
  {
    name: 'query',
    re: /([?&])([A-Za-z0-9_.-]{1,64})=([^&?#\s"'<>]+)/g,
    replace: (m, sep, name) => (SECRET_PARAM.test(name as string) ? `${sep}${name}=${MASK}` : m),
  },
];

export function redactText(text: string): string {
  let out = text;
  const reg = matcherForRegistered();
  if (reg) out = out.replace(reg, MASK);
  out = maskPrivateKeys(out);
  out = maskUrlCredentials(out);
  for (const { re, replace } of TOKEN_PATTERNS) out = out.replace(re, replace as never);
  return out;
}

/** A connection string with its password masked, for messages that must name the server. */
export function redactUri(uri: string): string {
  return redactText(uri);
}

const SECRET_KEY = /pass(word)?|secret|token|authorization|api[-_]?key/i;

/** Deeply redacts every string in a JSON-like value (records, bodies, gate details). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactText(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && typeof v === 'string' ? MASK : redactDeep(v);
    }
    return out as T;
  }
  return value;
}
