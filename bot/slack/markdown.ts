/**
 * GitHub markdown (what gate results carry in `details`, written for job summaries) as Slack
 * mrkdwn, which has no headings, tables or `**bold**` (docs.slack.dev, "Formatting text"):
 * headings become bold lines, `**x**`/`__x__` → `*x*`, `~~x~~` → `~x~`, `[label](https://…)` → "label (link)"
 * with the URL visible, `<sub>x</sub>` → `_x_`, list bullets → `•`, tables → an aligned code block, code fences stay
 * code blocks; `<details>`/`<summary>` tags are dropped. Every piece of text is escaped by
 * ./mrkdwn.ts. The result comes as units (a line, a whole code block or table) so a caller can
 * split it into Block Kit sections without cutting a code block in two.
 */
import { code, codeBlock, joinMrkdwn, link, mrkdwn, text, truncateMrkdwn, type Mrkdwn } from './mrkdwn.ts';

const INLINE = /`([^`\n]+)`|\*\*(.+?)\*\*|__(.+?)__|~~(.+?)~~|\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)|<sub>(.*?)<\/sub>/g;

/** One line of markdown inline syntax as mrkdwn. */
export function inlineMarkdown(line: string): Mrkdwn {
  const parts: Mrkdwn[] = [];
  let last = 0;
  for (const m of line.matchAll(INLINE)) {
    if (m.index > last) parts.push(text(line.slice(last, m.index)));
    const [, tick, bold1, bold2, strike, label, url, sub] = m;
    if (tick !== undefined) parts.push(code(tick));
    else if (bold1 !== undefined || bold2 !== undefined) parts.push(mrkdwn`*${inlineMarkdown(bold1 ?? bold2 ?? '')}*`);
    else if (strike !== undefined) parts.push(mrkdwn`~${inlineMarkdown(strike)}~`);
    // The URL is shown, never hidden behind the label: details can carry text from a pull request.
    else if (label !== undefined && url !== undefined) parts.push(mrkdwn`${inlineMarkdown(label)} (${link(url, url)})`);
    else if (sub !== undefined) parts.push(mrkdwn`_${inlineMarkdown(sub)}_`);
    last = m.index + m[0].length;
  }
  if (last < line.length) parts.push(text(line.slice(last)));
  return joinMrkdwn(parts, '');
}

/** Plain text of a table cell: markdown escapes and emphasis removed. */
function cellText(cell: string): string {
  return cell.trim().replace(/\\\|/g, '|').replace(/\*\*(.+?)\*\*/g, '$1').replace(/`([^`]+)`/g, '$1');
}

function splitRow(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '');
  return inner.split(/(?<!\\)\|/).map(cellText);
}

const MAX_CELL = 60;

/** A markdown table as an aligned code block (Slack renders no tables). */
function table(lines: readonly string[]): Mrkdwn {
  const rows = lines.filter((l) => !/^\s*\|?\s*:?-{3,}/.test(l)).map(splitRow).map((r) => r.map((c) => (c.length > MAX_CELL ? `${c.slice(0, MAX_CELL - 1)}…` : c)));
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return codeBlock(rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()));
}

/** Markdown → mrkdwn units, in order: a line, a code block or a table each. */
export function markdownToMrkdwn(md: string): Mrkdwn[] {
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  const out: Mrkdwn[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      const body: string[] = [];
      for (i++; i < lines.length && !(lines[i] ?? '').trimStart().startsWith(fence[1] ?? '```'); i++) body.push(lines[i] ?? '');
      out.push(codeBlock(body));
      continue;
    }
    if (/^\s*\|/.test(line)) {
      const rows = [line];
      while (i + 1 < lines.length && /^\s*\|/.test(lines[i + 1] ?? '')) rows.push(lines[++i] ?? '');
      out.push(table(rows));
      continue;
    }
    const stripped = line.replace(/<\/?(details|summary)[^>]*>/gi, '');
    if (stripped !== line && !stripped.trim()) continue;
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(stripped);
    if (heading) {
      out.push(mrkdwn`*${inlineMarkdown(heading[1] ?? '')}*`);
      continue;
    }
    const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(stripped);
    if (bullet) {
      out.push(mrkdwn`${text(bullet[1] ?? '')}• ${inlineMarkdown(bullet[2] ?? '')}`);
      continue;
    }
    out.push(inlineMarkdown(stripped));
  }
  // No runs of blank lines, none at either end.
  const tidy: Mrkdwn[] = [];
  for (const u of out) if (u.text.trim() || (tidy.length && tidy[tidy.length - 1]!.text.trim())) tidy.push(u);
  while (tidy.length && !tidy[tidy.length - 1]!.text.trim()) tidy.pop();
  return tidy;
}

/**
 * Units packed into texts of at most `max` characters, split only between units; a unit longer
 * than `max` alone is cut by truncateMrkdwn (which closes a code block it cuts and says how much
 * is left out).
 */
export function packUnits(units: readonly Mrkdwn[], max: number): string[] {
  const out: string[] = [];
  let cur = '';
  for (const u of units) {
    const t = u.text.length > max ? truncateMrkdwn(u, max) : u.text;
    if (cur && cur.length + 1 + t.length > max) {
      out.push(cur);
      cur = '';
    }
    cur = cur ? `${cur}\n${t}` : t;
  }
  if (cur.trim()) out.push(cur);
  return out;
}
