/**
 * Gate details are markdown (the same text the Slack thread and the job summary show). This turns
 * the part of markdown Shipgate writes — headings, tables, fenced code, bullets, `code`, **bold**,
 * [links](https://…) — into HTML. Everything is escaped first (html.ts); only http(s) links and
 * our own paths become anchors. Unknown syntax stays visible as text, never as markup.
 */
import { Html, escapeHtml, safeHref } from './html.ts';

/** At most this much markdown is rendered per block; the rest is cut with a note (a page must stay small). */
export const MAX_MARKDOWN_CHARS = 64 * 1024;

function inline(text: string): string {
  // Code spans first: their content is literal.
  const parts = text.split(/(`[^`\n]+`)/);
  return parts
    .map((p) => {
      if (p.length > 2 && p.startsWith('`') && p.endsWith('`')) return `<code>${escapeHtml(p.slice(1, -1))}</code>`;
      let out = escapeHtml(p);
      out = out.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
      // [label](url): the URL was escaped with the rest; unescape only to check it, then escape again.
      // Bounded: an unclosed '[' rescans at most 200 + 2000 characters, not the rest of the line (quadratic before).
      out = out.replace(/\[([^\]\n]{1,200})\]\(([^)\s]{1,2000})\)/g, (_m, label: string, url: string) => {
        const href = safeHref(url.replace(/&amp;/g, '&'));
        return href === '#' ? `${label}` : `<a href="${escapeHtml(href)}">${label}</a>`;
      });
      return out;
    })
    .join('');
}

function tableRow(line: string): string[] {
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '\\' && body[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (c === '|') {
      cells.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  cells.push(cur.trim());
  return cells;
}

export function markdownToHtml(md: string): Html {
  const cut = md.length > MAX_MARKDOWN_CHARS;
  const lines = (cut ? md.slice(0, MAX_MARKDOWN_CHARS) : md).split('\n');
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (/^```/.test(line)) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !/^```\s*$/.test(lines[i] as string)) code.push(lines[i++] as string);
      i++;
      out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
      continue;
    }
    if (/^\s*\|.*\|\s*$/.test(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{2,}/.test(lines[i + 1] as string)) {
      const head = tableRow(line);
      i += 2;
      const rows: string[][] = [];
      while (i < lines.length && /^\s*\|.*\|\s*$/.test(lines[i] as string)) rows.push(tableRow(lines[i++] as string));
      out.push(
        `<div class="scroll" tabindex="0" role="region" aria-label="Gate details table"><table><thead><tr>${head.map((c) => `<th scope="col">${inline(c)}</th>`).join('')}</tr></thead><tbody>${rows
          .map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`)
          .join('')}</tbody></table></div>`,
      );
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      // Gate details sit under the page's h3: their headings start at h4.
      const level = Math.min(6, (heading[1] as string).length + 3);
      out.push(`<h${level}>${inline(heading[2] as string)}</h${level}>`);
      i++;
      continue;
    }
    if (/^\s*[-*]\s+/.test(line)) {
      const items: string[] = [];
      while (i < lines.length && /^\s*[-*]\s+/.test(lines[i] as string)) items.push((lines[i++] as string).replace(/^\s*[-*]\s+/, ''));
      out.push(`<ul>${items.map((t) => `<li>${inline(t)}</li>`).join('')}</ul>`);
      continue;
    }
    if (line.trim() === '') {
      i++;
      continue;
    }
    const para: string[] = [];
    while (i < lines.length && (lines[i] as string).trim() !== '' && !/^(```|#{1,6}\s|\s*[-*]\s|\s*\|)/.test(lines[i] as string)) para.push(lines[i++] as string);
    if (para.length === 0) para.push(lines[i++] as string);
    out.push(`<p>${para.map(inline).join('<br>')}</p>`);
  }
  if (cut) out.push(`<p class="muted">(cut at ${MAX_MARKDOWN_CHARS / 1024} kB: the whole text is in \`shipgate release show --json\`)</p>`);
  return new Html(out.join('\n'));
}
