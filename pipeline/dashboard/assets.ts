/**
 * The dashboard's two static files, served by the process itself (no CDN, no build step): the
 * stylesheet, and the live-update script — plain browser JavaScript that listens to the release's
 * server-sent events and swaps in the checklist the server rendered. The CSP allows nothing else.
 */

export const STYLE_CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #fff; --muted: #57606a; --line: #d0d7de; --ok: #116329; --bad: #a40e26; --warn: #7d4e00; --run: #0550ae; --card: #f6f8fa; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1; --line: #30363d; --ok: #3fb950; --bad: #ff7b72; --warn: #d29922; --run: #58a6ff; --card: #161b22; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--run); }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); }
header.top .brand { font-weight: 700; text-decoration: none; color: var(--fg); }
header.top nav { display: flex; flex-wrap: wrap; gap: .25rem .9rem; }
header.top nav a[aria-current="page"] { font-weight: 700; text-decoration: underline; }
header.top .viewer { margin-left: auto; color: var(--muted); }
main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
h1 { font-size: 1.4rem; margin: .2rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: .88em; }
pre { background: var(--card); padding: .6rem; overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; white-space: pre-wrap; overflow-wrap: anywhere; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; background: var(--card); }
.card h2 { margin-top: 0; }
.big { font-size: 1.3rem; font-weight: 600; margin: .2rem 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem; margin: .4rem 0; }
dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.tag { font-size: .75rem; border: 1px solid var(--line); border-radius: 999px; padding: 0 .5rem; vertical-align: middle; }
.warn { color: var(--warn); } .error { color: var(--bad); font-weight: 600; } .ok { color: var(--ok); font-weight: 600; }
.badge { display: inline-block; border-radius: 999px; padding: 0 .55rem; font-size: .85rem; border: 1px solid currentColor; }
.s-succeeded { color: var(--ok); } .s-failed, .s-rejected, .s-rolled_back { color: var(--bad); } .s-running { color: var(--run); } .s-awaiting_approval { color: var(--warn); }
.checklist { list-style: none; padding: 0; margin: .5rem 0; }
.checklist li { padding: .25rem 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.st-passed .icon, span.st-passed, td.st-passed, li.st-passed { color: var(--ok); }
.st-failed .icon, .st-error .icon, span.st-failed, span.st-error, td.st-failed, li.st-failed, li.st-error { color: var(--bad); }
.st-running .icon { color: var(--run); }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
.scroll { overflow-x: auto; }
form.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; margin-bottom: .8rem; }
form.filters label { display: flex; flex-direction: column; font-size: .85rem; color: var(--muted); }
input, select, button { font: inherit; padding: .3rem .4rem; color: var(--fg); background: var(--bg); border: 1px solid var(--line); border-radius: 4px; min-height: 2rem; }
button, a.button { cursor: pointer; background: var(--run); color: #fff; border: 1px solid var(--run); border-radius: 4px; }
a.button { display: inline-block; padding: .45rem .9rem; text-decoration: none; font-weight: 600; }
.pager { display: flex; gap: 1rem; margin: .8rem 0; align-items: center; }
details.gate { border: 1px solid var(--line); border-radius: 6px; margin: .5rem 0; padding: .3rem .7rem; }
details.gate summary { cursor: pointer; overflow-wrap: anywhere; }
.metrics { width: auto; margin: .5rem 0; } .metrics caption { text-align: left; color: var(--muted); }
svg.histogram .bar { fill: var(--run); } svg.histogram .axis { fill: var(--muted); font-size: 9px; }
figure { margin: .5rem 0; max-width: 100%; overflow-x: auto; } figcaption { color: var(--muted); font-size: .85rem; }
.evidence { max-height: 24rem; overflow-y: auto; }
.flight { font-weight: 600; }
`;

export const LIVE_JS = `'use strict';
(function () {
  var el = document.getElementById('live');
  var url = el && el.getAttribute('data-events');
  if (!url || !window.EventSource) return;
  var source = new EventSource(url);
  function show(ev) {
    var data = JSON.parse(ev.data);
    el.innerHTML = data.html;
    el.setAttribute('data-rev', String(data.rev));
  }
  source.addEventListener('release', show);
  source.addEventListener('end', function (ev) {
    show(ev);
    source.close();
    var note = document.createElement('p');
    note.className = 'muted';
    note.id = 'finished';
    var a = document.createElement('a');
    a.href = location.pathname;
    a.textContent = 'reload for every gate result';
    note.appendChild(document.createTextNode('The release has finished: '));
    note.appendChild(a);
    el.appendChild(note);
  });
})();
`;
