/**
 * The dashboard's pages, as pure functions of what was read (pipeline/dashboard/data.ts reads it):
 * environments, the release list, one release, the audit log, delivery metrics, nightly smoke.
 * Every value goes through html.ts's escaping template.
 */
import { formatDuration } from '../config/duration.ts';
import type { GateResult } from '../gates/types.ts';
import type { AuditEntry, AuditVerdict } from '../release/audit.ts';
import type { ReleaseIndexEntry } from '../release/summary.ts';
import type { ReleaseRecord, StageRecord } from '../release/types.ts';
import { stageDurationMs } from '../release/render.ts';
import { describeBreakGlass } from '../release/window-policy.ts';
import type { EnvironmentState } from '../release/status.ts';
import { Html, STAGE_ICON, badge, html, page, safeHref, time, type PageNav } from './html.ts';
import { markdownToHtml } from './markdown.ts';
import type { ListFilter, ListPage } from './release-index.ts';

export interface EnvironmentView extends EnvironmentState {
  /** What a rollback would switch to: the slot the live release replaced, and what runs there. */
  /** Without `url`: the slot was not serving when the live release replaced it, so there is nothing to switch back to. */
  idle?: { slot?: string; url?: string; version?: string; release?: string; breaking: string[] };
  liveSummary?: ReleaseIndexEntry;
}

const short = (sha: string) => sha.slice(0, 7);
const releaseLink = (base: string, id: string, label?: string) => html`<a href="${base}/releases/${encodeURIComponent(id)}">${label ?? id}</a>`;

export function environmentsPage(nav: PageNav, envs: readonly EnvironmentView[]): Html {
  const cards = envs.map(
    (e) => html`<section class="card env" aria-labelledby="env-${e.env}">
<h2 id="env-${e.env}">${e.env} ${e.protected ? html`<span class="tag">protected</span>` : ''}</h2>
${e.live
  ? html`<p class="big">${e.live.version} <code>${short(e.live.sha)}</code></p>
<dl>
<dt>release</dt><dd>${releaseLink(nav.base, e.live.release)}</dd>
${e.live.slot ? html`<dt>serving slot</dt><dd>${e.live.slot}</dd>` : ''}
<dt>deployment</dt><dd>${e.live.url}</dd>
${e.publicUrl ? html`<dt>public</dt><dd>${e.publicUrl}</dd>` : ''}
<dt>since</dt><dd>${time(e.live.at)}</dd>
</dl>`
  : html`<p class="muted">nothing released yet</p>`}
${e.idle && !e.idle.url
  ? html`<h3>Idle slot</h3><p class="warn">${e.idle.slot ? html`slot <strong>${e.idle.slot}</strong>` : 'the previous deployment'} was not serving when the live release replaced it: there is nothing to roll back to.</p>`
  : e.idle
  ? html`<h3>Idle slot</h3><p>${e.idle.slot ? html`slot <strong>${e.idle.slot}</strong>` : 'previous deployment'} at ${e.idle.url}${e.idle.version ? html` holds ${e.idle.version}${e.idle.release ? html` (${releaseLink(nav.base, e.idle.release)})` : ''}` : ''}: a rollback switches back to it.</p>
${e.idle.breaking.length ? html`<p class="warn" role="note">⚠ point of no return: ${e.idle.breaking.join(', ')} changed the schema; rollback needs <code>--force</code> (or a restore first).</p>` : ''}`
  : e.live && e.publicUrl ? html`<h3>Idle slot</h3><p class="muted">nothing to roll back to (the first release there replaced nothing)</p>` : ''}
<h3>Freezes</h3>
<ul>
${e.lock
  ? html`<li class="warn">🔒 ${e.lock.kind === 'nightly-smoke' ? 'nightly smoke freeze' : html`locked by ${e.lock.owner}`}: ${e.lock.reason} (${e.lock.until})</li>`
  : html`<li>unlocked</li>`}
${e.window
  ? e.window.open
    ? html`<li>window open (${e.window.timezone})${e.window.closesAt ? html`; closes ${e.window.closesAt}: ${e.window.rule ?? ''}` : ''}</li>`
    : html`<li class="warn">⛔ window closed: ${e.window.rule ?? ''}; opens ${e.window.nextOpen ?? '—'}</li>`
  : ''}
${(e.window?.freezes ?? []).map((f) => html`<li>freeze ${f.from === f.to ? f.from : `${f.from} – ${f.to}`}: ${f.reason}</li>`)}
</ul>
${e.inFlight ? html`<p class="flight">in flight: ${releaseLink(nav.base, e.inFlight.release, `${e.inFlight.version} (${e.inFlight.release})`)} — ${e.inFlight.status.replace('_', ' ')}${e.inFlight.stage ? ` at ${e.inFlight.stage}` : ''}</p>` : ''}
</section>`,
  );
  return page('Environments', nav, html`<h1>Environments</h1><div class="grid">${cards}</div>`);
}

export interface ListView {
  filter: ListFilter;
  /** The query as typed, for the form. */
  form: Record<string, string>;
  result: ListPage;
  environments: readonly string[];
  error?: string;
}

const STATUS_OPTIONS = ['', 'active', 'running', 'awaiting_approval', 'succeeded', 'failed', 'rejected', 'rolled_back'];

/* A table that may scroll sideways on a phone is a focusable, labelled region (keyboard users can scroll it: axe scrollable-region-focusable). */
export function releasesPage(nav: PageNav, v: ListView): Html {
  const field = (name: string) => v.form[name] ?? '';
  const pageLink = (p: number) => {
    const q = new URLSearchParams();
    for (const [k, val] of Object.entries(v.form)) if (val && k !== 'page') q.set(k, val);
    q.set('page', String(p));
    return `${nav.base}/releases?${q.toString()}`;
  };
  const r = v.result;
  return page(
    'Releases',
    nav,
    html`<h1>Releases</h1>
<form class="filters" method="get" action="${nav.base}/releases">
<label>Environment <select name="env"><option value="">any</option>${v.environments.map((e) => html`<option${field('env') === e ? new Html(' selected') : ''}>${e}</option>`)}</select></label>
<label>Status <select name="status">${STATUS_OPTIONS.map((s) => html`<option value="${s}"${field('status') === s ? new Html(' selected') : ''}>${s ? s.replace('_', ' ') : 'any'}</option>`)}</select></label>
<label>Requester <input name="requester" value="${field('requester')}" autocomplete="off"></label>
<label>Since <input name="since" value="${field('since')}" placeholder="2026-12-01 or 7d"></label>
<label>Until <input name="until" value="${field('until')}" placeholder="2026-12-31"></label>
<button type="submit">Filter</button>
</form>
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
<p class="muted" id="count">${r.total} release${r.total === 1 ? '' : 's'} · page ${r.page} of ${r.pages}</p>
<div class="scroll" tabindex="0" role="region" aria-label="Releases"><table class="list">
<thead><tr><th scope="col">release</th><th scope="col">created</th><th scope="col">path</th><th scope="col">status</th><th scope="col">version</th><th scope="col">requester</th></tr></thead>
<tbody>
${r.items.map(
  (e) => html`<tr><td>${releaseLink(nav.base, e._id)}</td><td>${time(e.createdAt)}</td><td>${e.path.join(' → ')}</td><td>${badge(e.status)}${e.stage && e.status !== 'succeeded' ? html` <span class="muted">${e.stage}</span>` : ''}</td><td>${e.version} <code>${short(e.sha)}</code></td><td>${e.requester}</td></tr>`,
)}
</tbody></table></div>
<nav class="pager" aria-label="Pages">
${r.page > 1 ? html`<a rel="prev" href="${pageLink(r.page - 1)}">← newer</a>` : html`<span class="muted">← newer</span>`}
<span>page ${r.page} of ${r.pages}</span>
${r.page < r.pages ? html`<a rel="next" href="${pageLink(r.page + 1)}">older →</a>` : html`<span class="muted">older →</span>`}
</nav>`,
  );
}

/** The part of a release page that live updates replace: headline, status, checklist. */
export function liveFragment(r: ReleaseRecord, now = Date.now()): Html {
  return html`<p class="status">${badge(r.status)} <span id="rev" data-rev="${r.rev}">revision ${r.rev}</span>${r.reason && r.status !== 'succeeded' ? html` — ${r.reason.split('\n')[0]}` : ''}</p>
<ol class="checklist">
${r.stages.map((s) => {
  const ms = stageDurationMs(s, now);
  return html`<li class="st-${s.status}" data-stage="${s.key}" data-status="${s.status}"><span class="icon" aria-hidden="true">${STAGE_ICON[s.status] ?? '?'}</span> <strong>${s.key}</strong> <span class="sr">${s.status}</span>${ms === undefined ? '' : html` <span class="muted">${formatDuration(ms)}</span>`}${s.result?.summary && s.status !== 'pending' ? html` — ${s.result.summary}` : ''}</li>`;
})}
</ol>`;
}

/** A latency histogram as an SVG bar chart (no script, no external file). */
export function histogramSvg(buckets: ReadonlyArray<{ label: string; count: number }>): Html {
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const w = 36;
  const h = 120;
  const bars = buckets.map((b, i) => {
    const bh = Math.round((b.count / max) * (h - 20));
    return html`<g><rect x="${i * w + 4}" y="${h - bh - 16}" width="${w - 8}" height="${bh}" class="bar"><title>${b.label}: ${b.count}</title></rect><text x="${i * w + w / 2}" y="${h - 4}" text-anchor="middle" class="axis">${b.label}</text></g>`;
  });
  return html`<svg class="histogram" role="img" aria-label="latency histogram: ${buckets.map((b) => `${b.label} ${b.count}`).join(', ')}" viewBox="0 0 ${buckets.length * w} ${h}" width="${buckets.length * w}" height="${h}">${bars}</svg>`;
}

/** Details without the evidence block withEvidence appended (the page shows the evidence in full, below). */
function detailsOf(r: GateResult): string {
  if (!r.evidence) return r.details;
  if (r.details.startsWith('**Logs**')) return '';
  const i = r.details.lastIndexOf('\n\n**Logs**');
  return i >= 0 ? r.details.slice(0, i) : r.details;
}

function gateSection(s: StageRecord, r: GateResult): Html {
  const metrics = Object.entries(r.metrics).filter(([, v]) => v !== null && v !== '');
  return html`<details class="gate"${s.status === 'failed' || s.status === 'error' ? new Html(' open') : ''}>
<summary><span class="st-${s.status}">${STAGE_ICON[s.status] ?? '?'}</span> ${s.key} — ${r.summary}</summary>
${r.histogram?.length ? html`<figure><figcaption>Latency (responses per bucket)</figcaption>${histogramSvg(r.histogram)}</figure>` : ''}
${metrics.length ? html`<table class="metrics"><caption>Measured</caption><tbody>${metrics.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${String(v)}</td></tr>`)}</tbody></table>` : ''}
${r.checks?.length ? html`<ul class="checks">${r.checks.map((c) => html`<li class="st-${c.status}">${STAGE_ICON[c.status] ?? '·'} ${c.title}: ${c.summary}${c.fix ? html` <em>fix: ${c.fix}</em>` : ''}</li>`)}</ul>` : ''}
<div class="details">${markdownToHtml(detailsOf(r))}</div>
${r.evidence
  ? html`<h4>Evidence: last ${r.evidence.lines.length} log lines</h4><p class="muted">${r.evidence.source}${r.evidence.omitted ? ` · ${r.evidence.omitted} earlier lines left out` : ''}${r.evidence.note ? ` · ${r.evidence.note}` : ''}</p><pre class="evidence">${r.evidence.lines.join('\n')}</pre>`
  : ''}
</details>`;
}

export interface ReleaseView {
  release: ReleaseRecord;
  audit: readonly AuditEntry[];
  commits: { available: boolean; note?: string; list: Array<{ sha: string; subject: string; author: string; at: string }>; from?: string };
  links: { run?: string; slack?: string };
}

export function releasePage(nav: PageNav, v: ReleaseView): Html {
  const r = v.release;
  const plan = r.targetPlan;
  const live = r.status === 'running' || r.status === 'awaiting_approval';
  return page(
    `${r.version} → ${r.target}`,
    nav,
    html`<h1>${r.version} <code>${short(r.sha)}</code> → ${r.path.join(' → ')}</h1>
<p class="muted">${r._id} · ref ${r.ref} · requested by ${r.requester.person ?? `${r.requester.identity.via}:${r.requester.identity.id}`} · ${time(r.createdAt)}${r.finishedAt ? html` · finished ${time(r.finishedAt)}` : ''}
${v.links.run ? html` · <a href="${safeHref(v.links.run)}">workflow run</a>` : ''}${v.links.slack ? html` · <a href="${safeHref(v.links.slack)}">Slack message</a>` : ''}</p>
<section id="live" aria-live="polite"${live ? html` data-events="${nav.base}/releases/${encodeURIComponent(r._id)}/events"` : ''}>
${liveFragment(r)}
</section>
${r.breakGlass ? html`<p class="warn">🔨 ${describeBreakGlass(r.breakGlass)}</p>` : ''}
<h2>Gates</h2>
${r.stages.filter((s) => s.result).map((s) => gateSection(s, s.result as GateResult))}
${r.stages.some((s) => s.result) ? '' : html`<p class="muted">no gate has run yet</p>`}
<h2>Migration plan</h2>
${plan
  ? html`<p>${plan.pending.length ? html`on ${plan.env}: ${plan.pending.join(', ')}${plan.approximate ? ' (approximate counts)' : ''}` : html`no migrations to apply on ${plan.env}`} · plan digest <code>${plan.digest.slice(0, 12)}</code></p>
${plan.lines.length ? html`<pre>${plan.lines.join('\n')}</pre>` : ''}
${plan.irreversible.length ? html`<p class="warn">⚠ irreversible: ${plan.irreversible.join(', ')}</p>` : ''}
${plan.breaking.length ? html`<p class="warn">⚠ point of no return: ${plan.breaking.join(', ')}</p>` : ''}`
  : html`<p class="muted">no plan recorded (it is made before approval is asked)</p>`}
<h2>Approvals</h2>
${r.digest ? html`<p>release digest <code>${r.digest.slice(0, 12)}</code></p>` : ''}
${r.approvals.length
  ? html`<div class="scroll" tabindex="0" role="region" aria-label="Approvals"><table><thead><tr><th scope="col">who</th><th scope="col">when</th><th scope="col">digest</th><th scope="col">expires</th></tr></thead><tbody>${r.approvals.map(
      (a) => html`<tr><td>${a.person} <span class="muted">(${a.identity.via})</span></td><td>${time(a.at)}</td><td><code>${a.digest.slice(0, 12)}</code>${r.digest && a.digest !== r.digest ? html` <span class="warn">(an older digest)</span>` : ''}</td><td>${time(a.expiresAt)}</td></tr>`,
    )}</tbody></table></div>`
  : html`<p class="muted">none</p>`}
${r.rejection ? html`<p class="warn">rejected by ${r.rejection.person} at ${time(r.rejection.at)}: ${r.rejection.reason}</p>` : ''}
<p class="muted">This page is read-only: approve or reject in Slack or with <code>shipgate approve ${r._id}</code>, where each decision is checked against the approver list, four-eyes, the current digest and expiry.</p>
<h2>Commits</h2>
${v.commits.available
  ? v.commits.list.length
    ? html`<p class="muted">${v.commits.from ? html`since <code>${short(v.commits.from)}</code> (live before)` : 'the history up to this commit'}</p><ul class="commits">${v.commits.list.map((c) => html`<li><code>${short(c.sha)}</code> ${c.subject} <span class="muted">— ${c.author}, ${time(c.at)}</span></li>`)}</ul>`
    : html`<p class="muted">no commits between what was live and this release</p>`
  : html`<p class="muted">${v.commits.note ?? 'commits are not available here'}</p>`}
<h2>Audit</h2>
<ol class="audit">${v.audit.map((e) => html`<li><code>#${e._id}</code> ${time(e.at)} ${e.type}${e.env ? ` · ${e.env}` : ''}${e.actor ? ` · ${e.actor.via}:${e.actor.id}` : ''}</li>`)}</ol>`,
    { script: live },
  );
}

export function auditPage(nav: PageNav, v: { verdict: AuditVerdict; checkedAt: string; entries: readonly AuditEntry[]; before?: number; older?: number }): Html {
  const verdict = v.verdict.ok
    ? html`<p class="ok" id="chain">✓ chain intact up to entry ${v.verdict.entries}</p>`
    : html`<p class="error" id="chain" role="alert">✗ chain broken${v.verdict.at ? html` at entry ${v.verdict.at}` : ''}: ${v.verdict.problem} (${v.verdict.entries} entries verified before it)</p>`;
  return page(
    'Audit',
    nav,
    html`<h1>Audit log</h1>${verdict}<p class="muted">verified ${time(v.checkedAt)}</p>
<div class="scroll" tabindex="0" role="region" aria-label="Audit entries"><table><thead><tr><th scope="col">#</th><th scope="col">when</th><th scope="col">event</th><th scope="col">release</th><th scope="col">env</th><th scope="col">actor</th></tr></thead><tbody>
${v.entries.map((e) => html`<tr><td>${e._id}</td><td>${time(e.at)}</td><td>${e.type}</td><td>${e.release ? releaseLink(nav.base, e.release) : ''}</td><td>${e.env ?? ''}</td><td>${e.actor ? `${e.actor.via}:${e.actor.id}` : ''}</td></tr>`)}
</tbody></table></div>
${v.older ? html`<nav class="pager" aria-label="Pages"><a rel="next" href="${nav.base}/audit?before=${v.older}">older →</a></nav>` : ''}`,
  );
}

export interface MetricsRow {
  env: string;
  days: number;
  deployments: number;
  perWeek: number;
  leadTime: string;
  leadFrom: string;
  changeFailureRate: string;
  timeToRestore: string;
  unrestored: number;
}

export function metricsPage(nav: PageNav, rows: readonly MetricsRow[], note: string): Html {
  return page(
    'Metrics',
    nav,
    html`<h1>Delivery metrics</h1><p class="muted">${note}</p>
<div class="scroll" tabindex="0" role="region" aria-label="Delivery metrics"><table><thead><tr><th scope="col">environment</th><th scope="col">window</th><th scope="col">deployments</th><th scope="col">per week</th><th scope="col">lead time (median)</th><th scope="col">change failure rate</th><th scope="col">time to restore (median)</th></tr></thead><tbody>
${rows.map((m) => html`<tr><td>${m.env}</td><td>${m.days} days</td><td>${m.deployments}</td><td>${m.perWeek}</td><td>${m.leadTime} <span class="muted">${m.leadFrom}</span></td><td>${m.changeFailureRate}</td><td>${m.timeToRestore}${m.unrestored ? html` <span class="warn">(${m.unrestored} not restored)</span>` : ''}</td></tr>`)}
</tbody></table></div>`,
  );
}

export interface NightlyRun {
  _id: string;
  date: string;
  at: string;
  runUrl?: string;
  results: Array<{ env: string; status: 'passed' | 'failed'; summary: string; flaky?: string[] }>;
}

export function nightlyPage(nav: PageNav, runs: readonly NightlyRun[]): Html {
  const flaky = new Map<string, number>();
  for (const run of runs) for (const r of run.results) for (const t of r.flaky ?? []) flaky.set(`${r.env}: ${t}`, (flaky.get(`${r.env}: ${t}`) ?? 0) + 1);
  return page(
    'Nightly smoke',
    nav,
    html`<h1>Nightly smoke</h1>
${runs.length === 0 ? html`<p class="muted">no nightly run recorded yet (the shipgate/nightly-report action records each run)</p>` : ''}
<div class="scroll" tabindex="0" role="region" aria-label="Nightly runs"><table><thead><tr><th scope="col">night</th>${[...new Set(runs.flatMap((r) => r.results.map((x) => x.env)))].map((e) => html`<th scope="col">${e}</th>`)}<th scope="col">run</th></tr></thead><tbody>
${runs.map((run) => html`<tr><td>${run.date}</td>${run.results.map((x) => html`<td class="st-${x.status}">${x.status === 'passed' ? '✓ passed' : '✗ failed'}${x.summary ? html` <span class="muted">${x.summary}</span>` : ''}</td>`)}<td>${run.runUrl ? html`<a href="${safeHref(run.runUrl)}">run</a>` : ''}</td></tr>`)}
</tbody></table></div>
<h2>Flaky tests</h2>
${flaky.size ? html`<ul>${[...flaky].sort((a, b) => b[1] - a[1]).map(([t, n]) => html`<li>${t} — flaky on ${n} night${n === 1 ? '' : 's'}</li>`)}</ul>` : html`<p class="muted">none recorded</p>`}`,
  );
}

/** The 401 page: why, and the ways in (Sign in with Slack when the bot has it; the link from /deploy dashboard). */
export function signInPage(nav: PageNav, why: string, slack: boolean): Html {
  return page('Sign in to Shipgate', nav, html`<h1>Sign in to Shipgate</h1>
<p>You are not signed in (${why}).</p>
${slack ? html`<p><a class="button" href="${nav.base}/auth/slack">Sign in with Slack</a></p>` : ''}
<p>Or type <code>/deploy dashboard</code> in Slack for a sign-in link; it works once, for 10 minutes.</p>`);
}

export function messagePage(nav: PageNav, title: string, text: string): Html {
  return page(title, nav, html`<h1>${title}</h1><p>${text}</p>`);
}
