/**
 * Slack mrkdwn: the one place where text from outside Slack becomes markup. In mrkdwn `&`, `<`
 * and `>` are control characters (`<!channel>` pings a channel, `<https://x|click me>` disguises a
 * link), so Slack asks for them as `&amp;` `&lt;` `&gt;` (docs.slack.dev, "Formatting text",
 * escaping). Every message the bot builds is a `Mrkdwn` value made by the `mrkdwn` tagged
 * template: the literal parts are our own markup; every interpolated value is redacted and then
 * escaped by `escapeMrkdwn`, unless it is itself a `Mrkdwn` built here (a mention, a link, code).
 * Block builders and ephemeral answers accept only `Mrkdwn`, so unescaped text does not compile.
 *
 * Also the Block Kit limits (docs.slack.dev, Block Kit reference): text is cut with
 * "… N more characters", never at a place that would break an entity or a `<…>` sequence.
 */
import { toShipgateError, DOCS_BASE } from '../../pipeline/errors.ts';
import { redactText } from '../../pipeline/secrets/redact.ts';

const BRAND: unique symbol = Symbol('mrkdwn');

/** Text that is already valid, safe mrkdwn. Only this module makes one. */
export interface Mrkdwn {
  readonly [BRAND]: true;
  readonly text: string;
}

export type Piece = Mrkdwn | string | number | boolean | null | undefined;

const trusted = (text: string): Mrkdwn => ({ [BRAND]: true, text });

export function isMrkdwn(v: unknown): v is Mrkdwn {
  return typeof v === 'object' && v !== null && (v as { [BRAND]?: unknown })[BRAND] === true;
}

/** THE escaping function: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Outside text → mrkdwn: secrets masked first (a registered secret may contain `&`), then escaped. */
function outside(v: Piece): string {
  if (isMrkdwn(v)) return v.text;
  return escapeMrkdwn(redactText(String(v ?? '')));
}

/** mrkdwn`*${version}* by ${mention(id)}`: literals are our markup, values are escaped. */
export function mrkdwn(strings: TemplateStringsArray, ...values: Piece[]): Mrkdwn {
  let out = strings[0] ?? '';
  values.forEach((v, i) => (out += outside(v) + (strings[i + 1] ?? '')));
  return trusted(out);
}

/** Outside text as mrkdwn (escaped). */
export const text = (v: Piece): Mrkdwn => trusted(outside(v));

export function joinMrkdwn(parts: readonly Piece[], separator: Mrkdwn | string): Mrkdwn {
  const sep = isMrkdwn(separator) ? separator.text : escapeMrkdwn(separator);
  return trusted(parts.map(outside).join(sep));
}

const SLACK_USER = /^[UW][A-Z0-9]{2,20}$/;

/** A user mention we build (`<@U012ABC>`); anything that is not a Slack user id is shown as text. */
export function mention(userId: string): Mrkdwn {
  return SLACK_USER.test(userId) ? trusted(`<@${userId}>`) : text(userId);
}

/** A link we build: http(s) only, the label escaped; anything else is shown as text. */
export function link(url: string, label: Piece): Mrkdwn {
  const u = redactText(url);
  if (!/^https?:\/\/[^\s<>|]+$/.test(u)) return mrkdwn`${label} (${u})`;
  return trusted(`<${escapeMrkdwn(u)}|${outside(label).replace(/\|/g, '¦')}>`);
}

/** Inline code: escaped, and a backtick inside cannot end the code span early. */
export function code(v: Piece): Mrkdwn {
  const s = outside(v).replace(/`/g, 'ˋ');
  return trusted(s ? `\`${s}\`` : '');
}

/** A code block of outside lines. */
export function codeBlock(lines: readonly Piece[]): Mrkdwn {
  return trusted(`\`\`\`\n${lines.map((l) => outside(l).replace(/```/g, 'ˋˋˋ')).join('\n')}\n\`\`\``);
}

/**
 * Cuts mrkdwn to at most `max` characters, ending in "… N more characters", never inside an
 * entity (`&amp;`), a `<…>` sequence or a surrogate pair.
 */
export function truncateMrkdwn(m: Mrkdwn | string, max: number): string {
  const s = isMrkdwn(m) ? m.text : m;
  if (s.length <= max) return s;
  const suffix = (n: number) => `… ${n} more characters`;
  // Room for the suffix and for closing a code block the cut falls inside.
  let cut = Math.max(0, max - suffix(s.length).length - 4);
  const head = s.slice(0, cut);
  const amp = head.lastIndexOf('&');
  if (amp >= 0 && !head.slice(amp).includes(';') && head.length - amp < 8) cut = amp;
  const lt = s.lastIndexOf('<', cut - 1);
  if (lt >= 0 && s.lastIndexOf('>', cut - 1) < lt) cut = lt;
  if (cut > 0 && /[\uD800-\uDBFF]/.test(s[cut - 1] ?? '')) cut -= 1;
  const close = (s.slice(0, cut).match(/```/g) ?? []).length % 2 === 1 ? '\n```' : '';
  return `${s.slice(0, cut)}${close}${suffix(s.length - cut)}`;
}

/** plain_text (headers, buttons, modal titles): not parsed by Slack, only cut to `max`. */
export function truncatePlain(s: string, max: number): string {
  const t = redactText(s);
  if (t.length <= max) return t;
  let cut = max - 1;
  if (/[\uD800-\uDBFF]/.test(t[cut - 1] ?? '')) cut -= 1;
  return `${t.slice(0, cut)}…`;
}

/**
 * An error as a Slack answer: the code, the message and the hint escaped (they carry lock reasons,
 * release ids, refs…), the docs link ours. One line per part.
 */
export function slackError(err: unknown): Mrkdwn {
  const e = toShipgateError(err);
  const parts = [mrkdwn`:x: *${e.code}*: ${e.message}`];
  if (e.hint) parts.push(mrkdwn`_${e.hint}_`);
  if (e.docs) parts.push(link(`${DOCS_BASE}${e.docs}`, 'docs'));
  return joinMrkdwn(parts, '\n');
}

/** Block Kit limits (FACTS.md, checked against Slack's Block Kit reference). */
export const LIMITS = {
  sectionText: 3000,
  field: 2000,
  fields: 10,
  header: 150,
  buttonText: 75,
  buttonValue: 2000,
  contextElements: 10,
  blocks: 50,
  /** Whole messages around 12 KB of block text fail with msg_blocks_too_long: stay well under. */
  messageChars: 10_000,
  /** Top-level `text` (notification, fallback; Slack truncates at 40,000). */
  text: 3000,
} as const;
