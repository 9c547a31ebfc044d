import { html, type SafeHtml } from './html';

/** One line of a chart: its values by time (ms), in time order. */
export interface ChartSeries {
  name: string;
  /** Colour class of the line (`.chart .s-<tone>` in the stylesheet). */
  tone: 'ok' | 'bad' | 'warn' | 'info' | 'accent' | 'muted' | 'c1' | 'c2' | 'c3' | 'c4';
  points: ReadonlyArray<readonly [at: number, value: number]>;
}

export interface LineChartOptions {
  /** The element id (tests and links find the chart by it). */
  id: string;
  title: string;
  /** Time window shown, ms. */
  from: number;
  to: number;
  series: ChartSeries[];
  /** How a value reads on the axis and in tooltips. */
  format?: (value: number) => string;
  /** Shown instead of the chart when no series has a point. */
  empty: string;
}

const WIDTH = 640;
const HEIGHT = 190;
const PAD = { left: 46, right: 12, top: 12, bottom: 24 };

/**
 * A line chart drawn on the server as inline SVG: no script, no library, no request
 * leaves the page (dashboards often run without internet). Each series is a polyline
 * with a dot per point (its value in a tooltip), over a grid with round steps and
 * clock times on the time axis.
 */
export function lineChart(options: LineChartOptions): SafeHtml {
  const format = options.format ?? ((v: number) => formatCount(v));
  const withPoints = options.series.filter((s) => s.points.length > 0);
  const legend = html`<ul class="legend">${options.series.map(
    (s) => html`<li class="s-${s.tone}"><span class="swatch"></span>${s.name}</li>`,
  )}</ul>`;
  if (withPoints.length === 0) {
    return html`<figure class="chart" id="${options.id}" data-points="0"><figcaption>${options.title}</figcaption><p class="empty small">${options.empty}</p></figure>`;
  }
  const max = Math.max(0, ...withPoints.flatMap((s) => s.points.map(([, v]) => v)));
  const top = niceCeiling(max);
  const span = Math.max(1, options.to - options.from);
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (at: number) => PAD.left + ((at - options.from) / span) * innerW;
  const y = (value: number) => PAD.top + innerH - (top === 0 ? 0 : (value / top) * innerH);
  const grid: SafeHtml[] = [];
  const steps = gridSteps(top);
  for (let i = 0; i <= steps; i++) {
    const value = (top / steps) * i;
    grid.push(
      html`<line class="grid" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${fixed(y(value))}" y2="${fixed(y(value))}"></line><text class="axis" x="${PAD.left - 6}" y="${fixed(y(value) + 4)}" text-anchor="end">${format(value)}</text>`,
    );
  }
  for (const at of timeTicks(options.from, options.to)) {
    grid.push(html`<text class="axis" x="${fixed(x(at))}" y="${HEIGHT - 6}" text-anchor="middle">${clock(at)}</text>`);
  }
  const lines = options.series.map((s) => {
    if (s.points.length === 0) return html``;
    const path = s.points.map(([at, v]) => `${fixed(x(at))},${fixed(y(v))}`).join(' ');
    const total = s.points.reduce((n, [, v]) => n + v, 0);
    const dots = s.points.map(
      ([at, v]) => html`<circle cx="${fixed(x(at))}" cy="${fixed(y(v))}" r="2.5"><title>${clock(at)} ${s.name}: ${format(v)}</title></circle>`,
    );
    return html`<g class="series s-${s.tone}" data-series="${s.name}" data-points="${s.points.length}" data-total="${fixed(total)}"><polyline points="${path}"></polyline>${dots}</g>`;
  });
  const summary = options.series.map((s) => `${s.name}: ${s.points.length} point(s)`).join('; ');
  return html`<figure class="chart" id="${options.id}" data-points="${withPoints.reduce((n, s) => n + s.points.length, 0)}">
<figcaption>${options.title}</figcaption>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${options.title}" xmlns="http://www.w3.org/2000/svg"><desc>${summary}</desc>${grid}${lines}</svg>
${legend}</figure>`;
}

/** The smallest of 1, 2, 2.5, 5 × 10^n at or above `value`; 1 for a chart of zeros. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** How many grid intervals divide `top` (a nice ceiling) into round steps: 2000 in 4, 2500 and 5000 in 5. */
function gridSteps(top: number): number {
  const lead = top / 10 ** Math.floor(Math.log10(top));
  return lead === 2 ? 4 : 5;
}

/** Clock times on whole quarters of an hour (or whole minutes for short windows). */
function timeTicks(from: number, to: number): number[] {
  const span = to - from;
  const step = span > 90 * 60_000 ? 30 * 60_000 : span > 20 * 60_000 ? 15 * 60_000 : span > 5 * 60_000 ? 5 * 60_000 : 60_000;
  const ticks: number[] = [];
  for (let at = Math.ceil(from / step) * step; at <= to; at += step) ticks.push(at);
  return ticks;
}

/** `HH:MM` in UTC (the dashboard shows ISO times, UTC, in its tooltips). */
function clock(at: number): string {
  return new Date(at).toISOString().slice(11, 16);
}

function fixed(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

function formatCount(value: number): string {
  if (value >= 1_000_000) return `${trim(value / 1_000_000)}M`;
  if (value >= 10_000) return `${trim(value / 1000)}k`;
  return trim(value);
}

/** A runtime in ms as it reads on an axis: `850 ms`, `1.2 s`, `3 min`. */
export function formatMs(ms: number): string {
  if (ms < 1) return ms === 0 ? '0' : `${trim(ms)} ms`;
  if (ms < 1000) return `${trim(ms)} ms`;
  if (ms < 60_000) return `${trim(ms / 1000)} s`;
  return `${trim(ms / 60_000)} min`;
}

function trim(n: number): string {
  return n >= 100 ? String(Math.round(n)) : n >= 10 ? n.toFixed(1).replace(/\.0$/, '') : n.toFixed(2).replace(/\.?0+$/, '');
}
