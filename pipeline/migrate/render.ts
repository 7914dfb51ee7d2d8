/** What people read about a plan: a terminal table, markdown (PR checks, Slack, job summaries) and JSON. */
import type { Plan } from './plan.ts';

const fmt = (n: number | null) => (n === null ? '—' : n.toLocaleString('en-US'));

function rows(plan: Plan): string[][] {
  const out: string[][] = [];
  for (const m of plan.pending) {
    const flags = [m.irreversible ? 'irreversible' : '', m.breaking ? 'breaking' : ''].filter(Boolean).join(', ');
    if (m.writes.length === 0) out.push([m.id, '', '(no writes)', '', flags]);
    m.writes.forEach((w, i) => out.push([i === 0 ? m.id : '', w.collection, w.op, fmt(w.matched), [w.risky ? 'RISK' : '', i === 0 ? flags : '', w.detail].filter(Boolean).join(' · ')]));
  }
  return out;
}

const HEAD = ['migration', 'collection', 'operation', 'documents', 'notes'];

function summary(plan: Plan): string {
  if (plan.pending.length === 0) return `No pending migrations for ${plan.target.label} (${plan.target.db}).`;
  return `${plan.pending.length} pending migration${plan.pending.length === 1 ? '' : 's'} for ${plan.target.label} (${plan.target.db}).`;
}

function approximateNote(plan: Plan): string[] {
  if (!plan.approximate) return [];
  return ['Figures are APPROXIMATE (writes are recorded, not made, and these migrations look at data after a recorded write):', ...plan.approximateReasons.map((r) => `  - ${r}`)];
}

export function renderPlanTable(plan: Plan): string {
  const lines = [summary(plan)];
  if (plan.pending.length) {
    const all = [HEAD, ...rows(plan)];
    const widths = HEAD.map((_, c) => Math.max(...all.map((r) => (r[c] ?? '').length)));
    const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ').trimEnd();
    lines.push('', line(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...rows(plan).map(line));
  }
  lines.push(...(plan.approximate ? ['', ...approximateNote(plan)] : []));
  if (plan.risks.length) lines.push('', 'Risks:', ...plan.risks.map((r) => `  ! ${r}`));
  lines.push('', `digest ${plan.digest}`);
  return lines.join('\n');
}

const md = (s: string) => s.replace(/\|/g, '\\|');

export function renderPlanMarkdown(plan: Plan): string {
  const lines = [`### Migration plan: ${md(plan.target.label)}`, '', summary(plan)];
  if (plan.pending.length) {
    lines.push('', `| ${HEAD.join(' | ')} |`, `|${HEAD.map((h) => (h === 'documents' ? '---:' : '---')).join('|')}|`);
    for (const r of rows(plan)) lines.push(`| ${r.map((c, i) => (i === 0 && c ? `\`${md(c)}\`` : md(c))).join(' | ')} |`);
  }
  const described = plan.pending.filter((m) => m.description);
  if (described.length) lines.push('', ...described.map((m) => `- \`${m.id}\`: ${md(m.description)}`));
  if (plan.approximate) lines.push('', `> **Approximate figures.** ${approximateNote(plan).slice(1).map((r) => r.trim().replace(/^- /, '')).join('; ')}.`);
  if (plan.risks.length) lines.push('', '**Risks**', '', ...plan.risks.map((r) => `- :warning: ${md(r)}`));
  lines.push('', `Plan digest: \`${plan.digest}\``);
  return lines.join('\n');
}

export function planToJson(plan: Plan): string {
  return JSON.stringify(plan, null, 2);
}
