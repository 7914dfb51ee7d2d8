/**
 * The template layer and the markdown of gate details: nothing from outside becomes markup —
 * checked with a property over random strings of HTML-significant characters, and on the
 * markdown shapes Shipgate writes (tables with escaped pipes, fences, links).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { escapeHtml, html, Html, safeHref } from './html.ts';
import { markdownToHtml, MAX_MARKDOWN_CHARS } from './markdown.ts';
import { dashboardBase, releasePageUrl } from './links.ts';
import { histogramSvg } from './views.ts';

const TAG = /<(?!\/?(p|br|code|pre|strong|ul|li|table|thead|tbody|tr|th|td|div|h[4-6]|a)\b)/i;

describe('html`…`', () => {
  it('escapes every interpolated string, never Html built by the layer', () => {
    const name = '<img src=x onerror=alert(1)> & "quotes" \'single\' `tick`';
    const out = html`<p title="${name}">${name}</p>${new Html('<br>')}`.value;
    expect(out).toBe('<p title="&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot; &#39;single&#39; &#96;tick&#96;">&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot; &#39;single&#39; &#96;tick&#96;</p><br>');
  });

  it('property: no interpolated string can open a tag or leave an attribute', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('<', '>', '"', "'", '&', '`', 'a', ' ', '=', '/', '\u202e', '\u0000') }), (s) => {
        const out = html`<p data-x="${s}">${s}</p>`.value;
        const inner = out.slice('<p data-x="'.length, out.length - '</p>'.length);
        // eslint-disable-next-line no-control-regex
        return !/[<>"'`\u0000\u202e]/.test(inner.replace('">', ''));
      }),
    );
  });

  it('drops control characters and bidi overrides; keeps ordinary text', () => {
    expect(escapeHtml('ok\u0007 \u202eevil\u202c text')).toBe('ok evil text');
  });

  it('safeHref keeps our paths and http(s) URLs only', () => {
    expect(safeHref('/ui/releases/x')).toBe('/ui/releases/x');
    expect(safeHref('https://github.com/a/b/actions/runs/1')).toBe('https://github.com/a/b/actions/runs/1');
    for (const bad of ['/\\evil.example', '/\t/evil.example', '/ui/\nx', 'javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,x', '//evil.example', 'vbscript:x', 'not a url']) expect(safeHref(bad)).toBe('#');
  });
});

describe('markdown of gate details', () => {
  it('renders the tables, fences, bullets and code Shipgate writes', () => {
    const md = '**Engine:** builtin\n\n| threshold | measured |\n|---|---|\n| p(95)<300 | 12 \\| ok |\n\n```\nline <1>\n```\n- one `two`\n\n### Heading';
    const out = markdownToHtml(md).value;
    expect(out).toContain('<strong>Engine:</strong> builtin');
    expect(out).toContain('<td>p(95)&lt;300</td><td>12 | ok</td>');
    expect(out).toContain('<pre><code>line &lt;1&gt;</code></pre>');
    expect(out).toContain('<li>one <code>two</code></li>');
    expect(out).toContain('<h6>Heading</h6>');
  });

  it('property: random markdown never yields a tag outside the allowed set, nor a javascript: link', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('<script>', '</td>', '|', '```', '**', '[a](javascript:x)', '[b](https://ok.example)', '\n', '- ', '# ', '`', 'text', '"', '<img onerror=x>'), { maxLength: 40 }), (parts) => {
        const out = markdownToHtml(parts.join('')).value;
        return !TAG.test(out) && !/href="(?!https:\/\/ok\.example)/.test(out);
      }),
    );
  });

  it('cuts very long details with a note instead of rendering them whole', () => {
    const out = markdownToHtml('x'.repeat(MAX_MARKDOWN_CHARS + 10)).value;
    expect(out).toContain('cut at 64 kB');
    expect(out.length).toBeLessThan(MAX_MARKDOWN_CHARS + 500);
  });
});

describe('links and charts', () => {
  it('links to the release page only under an https base (http on loopback), never with credentials', () => {
    expect(releasePageUrl('https://shipgate.example.com/', 'rel-1')).toBe('https://shipgate.example.com/ui/releases/rel-1');
    expect(releasePageUrl('http://127.0.0.1:3000', 'rel-1')).toBe('http://127.0.0.1:3000/ui/releases/rel-1');
    expect(dashboardBase('http://shipgate.example.com')).toBeUndefined();
    expect(dashboardBase('https://user:pw@shipgate.example.com')).toBeUndefined();
    expect(dashboardBase('javascript:alert(1)')).toBeUndefined();
    expect(releasePageUrl('https://shipgate.example.com', '../../x')).toBeUndefined();
    expect(releasePageUrl(undefined, 'rel-1')).toBeUndefined();
  });

  it('draws the latency histogram as SVG bars proportional to the counts, labels escaped', () => {
    const svg = histogramSvg([{ label: '≤10ms', count: 50 }, { label: '<b>', count: 25 }, { label: '>1s', count: 0 }]).value;
    const heights = [...svg.matchAll(/height="(\d+)" class="bar"/g)].map((m) => Number(m[1]));
    expect(heights).toEqual([100, 50, 0]);
    expect(svg).toContain('&lt;b&gt;');
    expect(svg).toContain('role="img"');
  });
});
