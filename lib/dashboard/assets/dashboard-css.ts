/** The dashboard's stylesheet (served at <path>/assets/dashboard.css). */
export const DASHBOARD_CSS = `
:root { --bg:#f6f7f9; --fg:#1d2330; --muted:#6b7385; --line:#e2e5ea; --card:#fff; --accent:#3355dd;
  --ok:#1f8a4c; --ok-bg:#e3f5ea; --bad:#c8352b; --bad-bg:#fbe6e4; --warn:#a86400; --warn-bg:#fdf0d9; --info:#2660b8; --info-bg:#e3edfb; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--fg); }
a { color:var(--accent); text-decoration:none; } a:hover { text-decoration:underline; }
header.top { display:flex; align-items:center; gap:18px; padding:10px 22px; background:#1d2330; color:#fff; }
header.top .brand { color:#fff; font-weight:700; font-size:16px; letter-spacing:.3px; }
header.top nav { display:flex; gap:4px; }
header.top nav a { color:#c9cfdb; padding:6px 10px; border-radius:6px; }
header.top nav a.active, header.top nav a:hover { background:#323b50; color:#fff; text-decoration:none; }
header.top .spacer { flex:1; }
header.top .where { color:#9aa3b5; font-size:12px; font-family:ui-monospace,Menlo,monospace; }
.live { font-size:12px; color:#9aa3b5; } .live.on { color:#5fd68e; }
main { padding:18px 22px 40px; max-width:1500px; }
h1 { font-size:20px; margin:4px 0 14px; } h1 .muted { font-weight:400; font-size:14px; }
h2 { font-size:15px; margin:20px 0 8px; } h2 a { color:inherit; }
.cards { display:grid; grid-template-columns:repeat(auto-fit,minmax(140px,1fr)); gap:12px; margin-bottom:8px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px; }
.card .value { font-size:26px; font-weight:650; } .card .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.4px; }
.card.ok .value { color:var(--ok); } .card.bad .value { color:var(--bad); } .card.warn .value { color:var(--warn); }
.grid { display:grid; grid-template-columns:minmax(0,3fr) minmax(260px,1fr); gap:22px; }
@media (max-width:1000px) { .grid { grid-template-columns:1fr; } }
table { width:100%; border-collapse:collapse; background:var(--card); border:1px solid var(--line); border-radius:10px; overflow:hidden; }
th, td { text-align:left; padding:7px 10px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#eef0f4; font-size:12px; text-transform:uppercase; letter-spacing:.3px; color:var(--muted); }
tr:last-child td { border-bottom:0; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
.mono { font-family:ui-monospace,Menlo,Consolas,monospace; font-size:12.5px; }
.small { font-size:12px; } .muted { color:var(--muted); } .empty { color:var(--muted); background:var(--card); border:1px dashed var(--line); border-radius:10px; padding:14px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:11.5px; font-weight:600; background:#eceef2; color:var(--muted); }
.badge.ok { background:var(--ok-bg); color:var(--ok); } .badge.bad { background:var(--bad-bg); color:var(--bad); }
.badge.warn { background:var(--warn-bg); color:var(--warn); } .badge.info { background:var(--info-bg); color:var(--info); }
ul.events { list-style:none; margin:0; padding:0; background:var(--card); border:1px solid var(--line); border-radius:10px; max-height:720px; overflow:auto; }
ul.events li { padding:6px 10px; border-bottom:1px solid var(--line); font-size:12.5px; }
ul.plain { list-style:none; margin:0; padding:0; }
form.inline { display:inline; }
button { font:inherit; font-size:12.5px; padding:4px 11px; border-radius:6px; border:1px solid #c5cad4; background:#fff; cursor:pointer; }
button:hover { border-color:var(--accent); color:var(--accent); }
button.danger { border-color:#e6b3ae; color:var(--bad); } button.danger:hover { background:var(--bad-bg); }
.flash { margin:12px 22px 0; padding:9px 14px; border-radius:8px; } .flash.ok { background:var(--ok-bg); color:var(--ok); } .flash.bad { background:var(--bad-bg); color:var(--bad); }
form.search { display:flex; gap:8px; margin-bottom:12px; } form.search input, form.search select { font:inherit; padding:5px 8px; border:1px solid #c5cad4; border-radius:6px; }
dl.facts { display:grid; grid-template-columns:130px 1fr; gap:4px 12px; background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 16px; max-width:800px; }
dl.facts dt { color:var(--muted); } dl.facts dd { margin:0; }
pre { background:#1d2330; color:#e6e9ef; padding:10px 12px; border-radius:8px; overflow:auto; font-size:12.5px; max-height:420px; }
.error { background:var(--bad-bg); border-radius:8px; padding:10px 12px; color:var(--bad); } .error pre { margin:8px 0 0; }
.actions { display:flex; gap:8px; margin-bottom:12px; }
nav.tabs { display:flex; flex-wrap:wrap; gap:6px; margin-bottom:12px; } nav.tabs a { padding:4px 10px; border:1px solid var(--line); border-radius:14px; background:var(--card); }
nav.tabs a.active { border-color:var(--accent); } nav.tabs .count { color:var(--muted); font-size:12px; }
details summary { cursor:pointer; color:var(--accent); }
time { white-space:nowrap; }
/* charts (views/charts.ts) */
.charts { display:grid; grid-template-columns:repeat(auto-fit,minmax(320px,1fr)); gap:14px; margin:14px 0 4px; }
figure.chart { margin:0; background:var(--card); border:1px solid var(--line); border-radius:10px; padding:10px 12px 6px; }
figure.chart figcaption { font-weight:600; font-size:13px; margin-bottom:4px; }
figure.chart svg { width:100%; height:auto; display:block; }
figure.chart .grid { stroke:var(--line); stroke-width:1; }
figure.chart .axis { fill:var(--muted); font-size:10.5px; font-family:system-ui,sans-serif; }
figure.chart polyline { fill:none; stroke-width:2; stroke-linejoin:round; stroke-linecap:round; }
figure.chart ul.legend { list-style:none; display:flex; flex-wrap:wrap; gap:12px; margin:2px 0 0; padding:0; font-size:12px; color:var(--muted); }
figure.chart .swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:5px; vertical-align:-1px; }
figure.chart .empty { margin:6px 0; }
.s-ok polyline { stroke:var(--ok); } .s-ok circle, .s-ok .swatch { fill:var(--ok); background:var(--ok); }
.s-bad polyline { stroke:var(--bad); } .s-bad circle, .s-bad .swatch { fill:var(--bad); background:var(--bad); }
.s-warn polyline { stroke:var(--warn); } .s-warn circle, .s-warn .swatch { fill:var(--warn); background:var(--warn); }
.s-info polyline { stroke:var(--info); } .s-info circle, .s-info .swatch { fill:var(--info); background:var(--info); }
.s-accent polyline { stroke:var(--accent); } .s-accent circle, .s-accent .swatch { fill:var(--accent); background:var(--accent); }
.s-muted polyline { stroke:var(--muted); } .s-muted circle, .s-muted .swatch { fill:var(--muted); background:var(--muted); }
.s-c1 polyline { stroke:#3355dd; } .s-c1 circle, .s-c1 .swatch { fill:#3355dd; background:#3355dd; }
.s-c2 polyline { stroke:#8a3ffc; } .s-c2 circle, .s-c2 .swatch { fill:#8a3ffc; background:#8a3ffc; }
.s-c3 polyline { stroke:#d12771; } .s-c3 circle, .s-c3 .swatch { fill:#d12771; background:#d12771; }
.s-c4 polyline { stroke:#007d79; } .s-c4 circle, .s-c4 .swatch { fill:#007d79; background:#007d79; }
.task-charts { max-width:800px; margin:16px 0 4px; }
.runtime-summary { display:flex; gap:18px; font-size:13px; margin:0 0 8px; } .runtime-summary b { font-variant-numeric:tabular-nums; }
`;
