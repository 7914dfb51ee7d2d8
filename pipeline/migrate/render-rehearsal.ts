/** A rehearsal report for the terminal. */
import { formatDuration } from '../config/duration.ts';
import { presentError } from '../errors.ts';
import type { RehearsalReport } from './rehearse.ts';

export function renderRehearsal(r: RehearsalReport): string {
  const lines = [`${r.ok ? '✓' : '✗'} rehearsal of ${r.target.label} (${r.target.db}) on scratch database ${r.scratchDb}${r.sampled ? `, sampled ${r.sampled.perCollection} documents per collection (${r.sampled.copiedDocuments} of ${r.sampled.targetDocuments})` : ''}`];
  lines.push(`  copy: ${formatDuration(r.copyMs)}`);
  for (const m of r.migrations) {
    const time = m.durationMs === undefined ? '' : ` ${formatDuration(m.durationMs)}${m.extrapolatedMs !== undefined ? ` (≈${formatDuration(m.extrapolatedMs)} on the full data, extrapolated from the sample)` : ''}`;
    lines.push(`  ${m.status.padEnd(8)} ${m.id}${time}`);
  }
  if (r.collections.length) {
    lines.push('', '  collection            documents before → after   indexes');
    for (const c of r.collections) {
      const idx = (c.after?.indexes ?? []).filter((i) => !(c.before?.indexes ?? []).includes(i)).map((i) => `+${i}`)
        .concat((c.before?.indexes ?? []).filter((i) => !(c.after?.indexes ?? []).includes(i)).map((i) => `-${i}`));
      lines.push(`  ${c.name.padEnd(22)}${String(c.before?.documents ?? '—').padStart(8)} → ${String(c.after?.documents ?? '—').padEnd(10)}  ${idx.join(' ') || '(unchanged)'}`);
    }
  }
  lines.push('', r.scratchDropped ? `  scratch database ${r.scratchDb} dropped` : `  ! scratch database ${r.scratchDb} was NOT dropped: drop it by hand`);
  if (r.error) lines.push('', presentError(r.error, 'terminal'));
  return lines.join('\n');
}
