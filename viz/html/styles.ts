// The page's one stylesheet. No web fonts and no url(): the page must not fetch.
export const STYLES = `
:root {
  --bg: #f4f5f7; --card: #ffffff; --ink: #1b1b1f; --muted: #5f6470; --line: #e2e4e9;
  --accent: #1f5fa8; --warn-bg: #fff6e0; --warn-line: #f0c36a; --bad: #b3261e;
  --mono: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace;
  --sans: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Roboto, sans-serif;
}
* { box-sizing: border-box; }
html, body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 var(--sans); }
header { padding: 16px 24px 8px; }
h1 { margin: 0; font-size: 20px; font-weight: 650; letter-spacing: -0.01em; }
#summary { margin: 4px 0 0; color: var(--muted); }
#summary b { color: var(--ink); font-weight: 600; }
#headline { margin: 2px 0 0; }
#findings h2 { font-size: 15px; margin: 8px 0 6px; }
#findings ol { margin: 0; padding: 0; list-style: none; display: grid; grid-template-columns: minmax(0, 1.25fr) minmax(0, 1fr); grid-auto-flow: row dense; gap: 8px 12px; align-items: start; }
.finding { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; min-width: 0; }
.finding.lead { grid-column: 1; grid-row: span 4; border-color: #b9c9e0; box-shadow: 0 1px 3px rgba(31,95,168,.12); }
.finding:not(.lead) { grid-column: 2; }
#findings ol:not(:has(.lead)) .finding { grid-column: auto; }
.f-head { margin: 0 0 4px; }
.f-pattern { font-weight: 650; }
.lead .f-pattern { font-size: 16px; }
.f-facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 2px 10px; margin: 0; font-size: 13px; }
.f-facts dt { color: var(--muted); }
.f-facts dd { margin: 0; min-width: 0; }
.f-list { margin: 0; padding: 0; list-style: none; }
.f-list li { overflow-wrap: anywhere; }
.f-src { color: var(--muted); }
.f-num { font-variant-numeric: tabular-nums; color: var(--muted); }
.f-num b { color: var(--ink); }
a.f-site, a.f-ins { color: var(--accent); font-weight: 600; text-decoration: none; border-bottom: 1px dotted currentColor; }
a.f-site:hover, a.f-ins:hover { border-bottom-style: solid; }
.f-text { margin: 0; font-size: 13px; }
.f-more { margin-top: 4px; font-size: 13px; color: var(--muted); }
.f-more summary { cursor: pointer; }
.f-more p { margin: 4px 0; color: var(--ink); }
#headline code { background: #e9edf3; border-radius: 4px; padding: 0 4px; }
main { padding: 0 24px 24px; }
.panel { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin-top: 12px; min-width: 0; }
h2 { margin: 0 0 8px; font-size: 15px; font-weight: 620; }
h3 { margin: 12px 0 6px; font-size: 13px; font-weight: 600; color: var(--muted); text-transform: none; }
.banner { margin-top: 10px; padding: 8px 12px; background: var(--warn-bg); border: 1px solid var(--warn-line); border-radius: 6px; }
.banner { display: flex; align-items: center; white-space: nowrap; }
.banner .line { overflow: hidden; text-overflow: ellipsis; }
.banner button { margin-left: 8px; }
.banner[hidden] { display: none; }
button { font: inherit; font-size: 13px; color: var(--ink); background: #fff; border: 1px solid #c9ccd3; border-radius: 6px; padding: 3px 10px; cursor: pointer; }
button:hover { border-color: var(--accent); }
button[aria-pressed="true"] { background: var(--accent); border-color: var(--accent); color: #fff; }
.seg { display: inline-flex; }
.seg button { border-radius: 0; margin-left: -1px; }
.seg button:first-child { border-radius: 6px 0 0 6px; margin-left: 0; }
.seg button:last-child, .seg button:has(+ button[hidden]) { border-radius: 0 6px 6px 0; }
.toolbar { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; }
.toolbar .grow { flex: 1; }
#search { font: 13px var(--mono); width: 260px; padding: 4px 8px; border: 1px solid #c9ccd3; border-radius: 6px; }
#search.invalid { border-color: var(--bad); outline-color: var(--bad); }
#matched { color: var(--muted); font-size: 13px; min-width: 12em; }
#matched.hit { color: #8a1a8a; font-weight: 600; }
label.check { font-size: 13px; color: var(--muted); display: inline-flex; gap: 4px; align-items: center; }
#breadcrumb { margin: 8px 0 6px; font-size: 12.5px; color: var(--muted); display: flex; flex-wrap: wrap; gap: 2px 4px; align-items: center; min-height: 22px; }
#breadcrumb button { font-size: 12px; padding: 1px 6px; max-width: 28em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#breadcrumb button[aria-current="true"] { font-weight: 600; border-color: var(--ink); }
.flame-wrap { display: grid; grid-template-columns: minmax(0, 1fr) 360px; gap: 12px; height: 420px; }
#scroller { overflow: auto; height: 100%; border: 1px solid var(--line); border-radius: 6px; background: #fbfbfa; }
#flame { display: block; width: 100%; cursor: pointer; }
#flame:focus-visible, tr.clickable:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
#details { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; font-size: 13px; overflow: auto; height: 100%; }
#details .empty { color: var(--muted); }
.name { font-weight: 600; word-break: break-all; }
.name.mono { font-family: var(--mono); font-size: 12.5px; }
.meta { color: var(--muted); word-break: break-all; }
#protection tr[aria-current="true"] td { background: #fff4cc; }
.kv { display: grid; grid-template-columns: fit-content(50%) minmax(0, 1fr); gap: 1px 10px; margin: 6px 0; }
.kv dt { color: var(--muted); }
.kv dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.disasm { position: relative; font: 12px/1.5 var(--mono); margin: 6px 0 0; border: 1px solid var(--line); border-radius: 4px; overflow-x: auto; }
#listing .disasm { max-height: 60vh; overflow-y: auto; }
[hidden] { display: none !important; }
html:not(.js) .needs-js { display: none; }
.disasm .fn { font-family: var(--sans); padding: 2px 6px; background: #f3f4f6; position: sticky; top: 0; }
.disasm .cut { color: #6b7280; }
.disasm .count { color: #8a1a1a; }
.disasm .hit { background: #fff1f0; }
.disasm .prot { background: #eef4fb; }
.disasm .prot .addr, .disasm .site { color: var(--accent); font-weight: 600; }
.disasm div { white-space: pre; padding: 0 6px; }
.disasm .src { color: #6b7280; font-style: italic; }
.disasm .fault { background: #fde2e1; color: #7a1410; font-weight: 600; }
.disasm .addr { color: #6b7280; }
.covers { margin: 6px 0; } .cover { word-break: break-word; } .cover .mono { font-weight: 600; }
th.sortable { cursor: pointer; user-select: none; } th.sortable:hover { color: var(--accent); } th[aria-sort="descending"]::after { content: " ▾"; } th[aria-sort="ascending"]::after { content: " ▴"; }
.notes { margin: 6px 0 0; font-size: 12px; }
.merged-list button { display: block; width: 100%; text-align: left; margin: 2px 0; font-size: 12px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
#legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin-top: 8px; font-size: 12.5px; color: var(--muted); }
#legend span.sw { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 5px; vertical-align: -2px; border: 1px solid rgba(0,0,0,0.12); }
#legend .hint { margin-left: auto; }
.grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0 12px; align-items: start; }
h2.next { margin-top: 16px; }
.share { margin: 6px 0; font-variant-numeric: tabular-nums; }
.share b { font-size: 15px; }
.grid .wide { grid-column: 1 / -1; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th { text-align: left; font-weight: 600; color: var(--muted); border-bottom: 1px solid var(--line); padding: 4px 8px 4px 0; white-space: nowrap; }
td { padding: 3px 8px 3px 0; border-bottom: 1px solid #f0f1f4; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.mono, td .mono { font-family: var(--mono); font-size: 12px; white-space: nowrap; }
td .muted { font-style: italic; white-space: nowrap; }
.nowrap { white-space: nowrap; }
td .meta { word-break: normal; overflow-wrap: anywhere; font-size: 12px; }
.scroll-x { overflow-x: auto; }
td.wrap { word-break: break-all; }
tr.clickable { cursor: pointer; }
tr.clickable:hover td { background: #eef4fb; }
.bar-row { display: grid; grid-template-columns: 11em 1fr 7em; gap: 8px; align-items: center; margin: 3px 0; font-size: 12.5px; }
.bar-meaning { margin: 0 0 6px 11em; padding-left: 8px; font-size: 11.5px; }
.bar { height: 12px; border-radius: 3px; min-width: 1px; }
.bar-track { background: #f0f1f4; border-radius: 3px; }
.chart { margin: 4px 0 10px; }
.chart .label { font-size: 12px; display: flex; justify-content: space-between; color: var(--muted); }
.chart .label b { color: var(--ink); font-weight: 600; }
.chart canvas { display: block; width: 100%; height: 40px; background: #fafafa; border-bottom: 1px solid var(--line); }
.axis { display: flex; justify-content: space-between; font-size: 11px; color: var(--muted); }
.muted { color: var(--muted); }
.badge { display: inline-block; margin-left: 6px; padding: 0 5px; border-radius: 4px; background: #eef0f3; color: var(--muted); font: 11px var(--sans); vertical-align: 1px; }
.bad { color: var(--bad); font-weight: 600; }
ul.plain { margin: 4px 0; padding-left: 18px; }
ul.plain li { margin: 2px 0; word-break: break-word; }
code, .mono { font-family: var(--mono); font-size: 12px; }
#tooltip { position: fixed; z-index: 10; pointer-events: none; max-width: 520px; background: #1e2128; color: #f3f4f6; border-radius: 6px; padding: 8px 10px; font-size: 12.5px; box-shadow: 0 6px 24px rgba(0,0,0,0.25); }
#tooltip .name { color: #fff; }
#tooltip .meta { color: #b8bcc6; }
#tooltip .kv dt { color: #b8bcc6; }
#tooltip .disasm { border-color: #3a3f4b; }
#tooltip .disasm .fault { background: #7a1f1a; color: #fff; }
#tooltip .disasm .src, #tooltip .disasm .addr { color: #9aa1ad; }
#tooltip .disasm .count { color: #ffb4ab; } #tooltip .disasm .hit { background: #4a2a28; } #tooltip .disasm .prot { background: #243247; }
#tooltip .hint { color: #9aa1ad; margin-top: 4px; font-size: 11.5px; }
.strips { margin: 4px 0 10px; }
.strip-row { display: grid; grid-template-columns: 7em 1fr; gap: 2px 8px; align-items: center; margin: 4px 0; }
.strip { display: flex; height: 22px; gap: 1px; min-width: 0; }
.strip-region { flex-basis: 0; min-width: 3px; padding: 0; border: 1px solid rgba(0,0,0,.25); border-radius: 2px; }
.strip-region[aria-pressed="true"] { outline: 2px solid var(--ink); }
.strip-gap { flex: 0 0 8px; background: repeating-linear-gradient(90deg, #c9ccd3 0 1px, transparent 1px 3px); }
.strip-ends { display: flex; justify-content: space-between; }
button.link { border: 0; padding: 0; background: none; color: var(--accent); text-align: left; }
.page-heat { display: flex; flex-wrap: wrap; gap: 2px; }
.heat-cell { font-size: 11px; padding: 0 3px; border-radius: 2px; }
@media (max-width: 600px) { .f-facts { grid-template-columns: minmax(0, 1fr); } .f-facts dt { margin-top: 2px; } }
.filter-bar { display: flex; gap: 10px; align-items: center; margin: 8px 0 0; padding: 4px 10px; background: #eef4fb; border: 1px solid #c5d6ea; border-radius: 6px; font-size: 13px; }
.filter-bar[hidden] { display: none; }
.tl-legend { display: flex; flex-wrap: wrap; gap: 2px 14px; font-size: 12px; margin-bottom: 4px; }
.tl-legend span.sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
.tl-canvas { display: block; width: 100%; cursor: crosshair; touch-action: none; }
.tl-canvas:focus-visible { outline: 2px solid var(--accent); }
.tl-bar { display: flex; gap: 8px; align-items: center; min-height: 26px; }
.tl-readout { flex: 1; margin: 2px 0; font-variant-numeric: tabular-nums; }
ul.fork { list-style: none; margin: 2px 0; padding-left: 16px; }
.threads > ul.fork { padding-left: 0; }
ul.fork .proc { margin-top: 4px; }
ul.fork ul.plain { padding-left: 18px; }
footer { padding: 0 24px 24px; color: var(--muted); font-size: 12px; }
@media (max-width: 1000px) { #findings ol { grid-template-columns: minmax(0, 1fr); } .finding.lead, .finding:not(.lead) { grid-column: 1; grid-row: auto; } .flame-wrap, .grid { grid-template-columns: minmax(0, 1fr); } .flame-wrap { height: auto !important; } #scroller { height: 60vh; } #details { height: auto; max-height: 50vh; } }
`;
