/**
 * The dashboard's template layer: a tagged template that escapes every interpolated value unless
 * it is already `Html` (built by this module), so text from outside — release reasons, gate
 * details, log lines, names — can never become markup. There is no other way to build a page.
 */
import { redactText } from '../secrets/redact.ts';
import { ICON } from '../release/render.ts';

export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/** Text as HTML: escaped, redacted (a registered secret never reaches a page), control characters dropped. */
export function escapeHtml(text: string): string {
  // eslint-disable-next-line no-control-regex
  return redactText(text).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').replace(/[&<>"'`]/g, (c) => ESCAPES[c] as string);
}

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part));
}

/** `html\`<p>${text}</p>\``: every value escaped unless it is Html. */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] as string;
  for (let i = 0; i < values.length; i++) out += render(values[i] as Part) + (strings[i + 1] as string);
  return new Html(out);
}

/** A value for an href: only our own paths and http(s) URLs; anything else (javascript:, data:) becomes '#'. */
export function safeHref(url: string): string {
  // Our own paths only: not //host, not /\host (browsers read both as another host), no control characters.
  if (/[\\\s]/.test(url)) return '#';
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : '#';
  } catch {
    return '#';
  }
}

/** The terminal's stage icons (pipeline/release/render.ts), for stage and check statuses alike. */
export const STAGE_ICON: Record<string, string> = ICON;
export const STATUS_LABEL: Record<string, string> = {
  running: 'running', awaiting_approval: 'awaiting approval', succeeded: 'succeeded', failed: 'failed', rejected: 'rejected', rolled_back: 'rolled back',
};

export interface PageNav {
  base: string;
  current: 'environments' | 'releases' | 'audit' | 'metrics' | 'nightly' | 'none';
  /** The signed-in person (bot) or "local" (loopback). */
  viewer?: string;
}

/** The whole document: no inline script or style (the CSP forbids both), one stylesheet, one script. */
export function page(title: string, nav: PageNav, body: Html, opts: { script?: boolean } = {}): Html {
  const link = (key: PageNav['current'], href: string, label: string) =>
    html`<a href="${nav.base}${href}"${key === nav.current ? new Html(' aria-current="page"') : ''}>${label}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Shipgate</title>
<link rel="stylesheet" href="${nav.base}/assets/style.css">
${opts.script ? html`<script src="${nav.base}/assets/live.js" defer></script>` : ''}
</head>
<body>
<header class="top">
<a class="brand" href="${nav.base}/">Shipgate</a>
<nav aria-label="Dashboard">${link('environments', '/', 'Environments')}${link('releases', '/releases', 'Releases')}${link('metrics', '/metrics', 'Metrics')}${link('nightly', '/nightly', 'Nightly smoke')}${link('audit', '/audit', 'Audit')}</nav>
${nav.viewer ? html`<span class="viewer">${nav.viewer}</span>` : ''}${nav.viewer && nav.viewer !== 'local' ? html`<a href="${nav.base}/logout">Sign out</a>` : ''}
</header>
<main id="main">
${body}
</main>
</body>
</html>
`;
}

export function badge(status: string): Html {
  return html`<span class="badge s-${status.replace(/[^a-z_]/g, '')}">${STATUS_LABEL[status] ?? status}</span>`;
}

export function time(iso: string | undefined): Html {
  if (!iso) return html`—`;
  return html`<time datetime="${iso}">${iso.replace('T', ' ').slice(0, 19)} UTC</time>`;
}
