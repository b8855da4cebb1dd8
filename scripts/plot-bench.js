// Draws the scale figures of a `trading bench --json FILE` run as one SVG of small charts
// (no dependency: plain SVG text), for the README.
//   node scripts/plot-bench.js bench-results.json docs/scale.svg
import { readFileSync, writeFileSync } from 'node:fs';

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  console.error('usage: node scripts/plot-bench.js BENCH_JSON OUT_SVG');
  process.exit(2);
}
const figures = JSON.parse(readFileSync(input, 'utf8'));

const SYMBOLS = [5, 100, 1000, 10000];
const SUBSCRIBERS = [1, 8, 64];
const pick = (keys) => keys.map((key) => (typeof figures[key] === 'number' ? figures[key] : null));

const charts = [
  {
    title: 'End-to-end updates/s (gateway → orderbook → shm)',
    xLabel: 'symbols',
    xs: SYMBOLS,
    series: [
      { name: 'paced, 10/s per symbol', values: pick(SYMBOLS.map((n) => `scale_symbols_${n}_updates_per_s`)) },
      { name: '--rate max', values: pick(SYMBOLS.map((n) => `scale_symbols_${n}_max_updates_per_s`)) },
    ],
  },
  {
    title: 'Tick-to-trade, µs',
    xLabel: 'symbols',
    xs: SYMBOLS,
    series: [
      { name: 'p50', values: pick(SYMBOLS.map((n) => `scale_symbols_${n}_tick_to_trade_p50_us`)) },
      { name: 'p99', values: pick(SYMBOLS.map((n) => `scale_symbols_${n}_tick_to_trade_p99_us`)) },
    ],
  },
  {
    title: 'Fan-out: msgs/s delivered in total',
    xLabel: 'subscriber processes',
    xs: SUBSCRIBERS,
    series: [{ name: 'gateway at --rate max', values: pick(SUBSCRIBERS.map((n) => `fanout_${n}_msgs_per_s`)) }],
  },
  {
    title: 'Fan-out: gateway CPU per message, ns',
    xLabel: 'subscriber processes',
    xs: SUBSCRIBERS,
    series: [{ name: 'per delivered message', values: pick(SUBSCRIBERS.map((n) => `fanout_${n}_gateway_cpu_ns_per_msg`)) }],
  },
];

const WIDTH = 360;
const HEIGHT = 220;
const PAD = { left: 64, right: 16, top: 32, bottom: 44 };
const COLORS = ['#2563eb', '#dc2626', '#16a34a'];

function niceMax(value) {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function format(value) {
  if (value >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return String(+value.toPrecision(3));
}

function escape(text) {
  return String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

function chart(spec, offsetX, offsetY) {
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const all = spec.series.flatMap((s) => s.values).filter((v) => v !== null);
  const yMax = niceMax(Math.max(0, ...all));
  // the x axis is logarithmic: 5 → 10,000 symbols, 1 → 64 subscribers
  const logs = spec.xs.map((x) => Math.log10(x));
  const x = (i) => PAD.left + ((logs[i] - logs[0]) / (logs[logs.length - 1] - logs[0])) * plotW;
  const y = (v) => PAD.top + plotH - (v / yMax) * plotH;
  const parts = [`<g transform="translate(${offsetX},${offsetY})">`];
  parts.push(`<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-weight="600">${escape(spec.title)}</text>`);
  for (let tick = 0; tick <= 4; tick++) {
    const v = (yMax * tick) / 4;
    parts.push(`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end" fill="#6b7280">${format(v)}</text>`);
  }
  spec.xs.forEach((value, i) => {
    parts.push(`<text x="${x(i)}" y="${HEIGHT - PAD.bottom + 16}" text-anchor="middle" fill="#6b7280">${value.toLocaleString('en-US')}</text>`);
  });
  parts.push(`<text x="${PAD.left + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle" fill="#6b7280">${escape(spec.xLabel)} (log scale)</text>`);
  spec.series.forEach((series, s) => {
    const color = COLORS[s % COLORS.length];
    const points = series.values.map((v, i) => (v === null ? null : `${x(i)},${y(v)}`)).filter((p) => p !== null);
    if (points.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>`);
    series.values.forEach((v, i) => {
      if (v !== null) parts.push(`<circle cx="${x(i)}" cy="${y(v)}" r="3" fill="${color}"><title>${escape(`${series.name}: ${v}`)}</title></circle>`);
    });
    parts.push(`<rect x="${PAD.left + 8}" y="${PAD.top + 4 + s * 14}" width="10" height="3" fill="${color}"/>`);
    parts.push(`<text x="${PAD.left + 22}" y="${PAD.top + 9 + s * 14}" fill="#374151">${escape(series.name)}</text>`);
  });
  parts.push('</g>');
  return parts.join('\n');
}

const columns = 2;
const rows = Math.ceil(charts.length / columns);
const body = charts.map((spec, i) => chart(spec, (i % columns) * WIDTH, Math.floor(i / columns) * HEIGHT)).join('\n');
const note = `${figures.node_version ?? ''}, ${figures.cores ?? '?'} cores, ${figures.started_at ?? ''}`;
const svg = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${columns * WIDTH}" height="${rows * HEIGHT + 20}" font-family="system-ui, sans-serif" font-size="11">`,
  '<rect width="100%" height="100%" fill="white"/>',
  body,
  `<text x="8" y="${rows * HEIGHT + 14}" fill="#9ca3af">npm run bench -- --json: ${escape(note)}</text>`,
  '</svg>',
].join('\n');
writeFileSync(output, svg + '\n');
console.log(`wrote ${output}`);
