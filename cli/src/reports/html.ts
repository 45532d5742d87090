// `cs reports … --out report.html`: one self-contained file (Chart.js inlined, the data in the page),
// so it opens offline, mails as an attachment and archives as it is.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface ChartSpec {
  title: string;
  type: 'line' | 'bar';
  labels: string[];
  datasets: { label: string; data: (number | null)[] }[];
  /** Values are shares (0..1), shown as percentages. */
  percent?: boolean;
  stacked?: boolean;
}

export interface TableSpec {
  title: string;
  header: string[];
  rows: (string | number)[][];
  /** Columns (by index) holding shares 0..1, shaded as a heat table. */
  heat?: number[];
}

export interface HtmlReport {
  title: string;
  subtitle: string;
  cards: { label: string; value: string }[];
  charts: ChartSpec[];
  tables: TableSpec[];
}

/** Chart.js's UMD build from the installed package (its exports map names no subpath, so by its main file). */
function chartJsSource(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return fs.readFileSync(path.join(path.dirname(main), 'chart.umd.min.js'), 'utf8');
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
// JSON inside a <script>: "</script>" in the data must not end the element.
const scriptJson = (v: unknown) => JSON.stringify(v).replace(/</g, '\\u003c');

const palette = ['#0f766e', '#d97706', '#2563eb', '#dc2626', '#7c3aed', '#059669'];

function table(t: TableSpec): string {
  const cell = (v: string | number, i: number) => {
    if (t.heat?.includes(i) && typeof v === 'number') {
      const alpha = Math.max(0.05, Math.min(1, v));
      return `<td class="num heat" style="background: rgba(15, 118, 110, ${alpha.toFixed(2)}); color: ${v > 0.5 ? '#fff' : '#111'}">${Math.round(v * 100)}%</td>`;
    }
    return `<td${typeof v === 'number' ? ' class="num"' : ''}>${escape(String(v))}</td>`;
  };
  return `<section><h2>${escape(t.title)}</h2><table><thead><tr>${t.header.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead>
<tbody>${t.rows.map((r) => `<tr>${r.map(cell).join('')}</tr>`).join('\n')}</tbody></table></section>`;
}

export function renderHtml(report: HtmlReport): string {
  const charts = report.charts.map((c, i) => ({ ...c, id: `chart-${i}` }));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ConnectSphere cs reports">
<title>${escape(report.title)}</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; color: #111; background: #f6f7f8; }
  header { background: #0f766e; color: #fff; padding: 20px 28px; }
  header h1 { margin: 0 0 4px; font-size: 22px; }
  main { padding: 20px 28px; max-width: 1100px; }
  .cards { display: flex; flex-wrap: wrap; gap: 12px; margin-bottom: 20px; }
  .card { background: #fff; border-radius: 8px; padding: 12px 16px; min-width: 150px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  .card .label { color: #555; font-size: 13px; } .card .value { font-size: 22px; font-weight: 600; }
  section { background: #fff; border-radius: 8px; padding: 16px; margin-bottom: 20px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  h2 { font-size: 16px; margin: 0 0 12px; }
  .chart { position: relative; height: 280px; }
  table { border-collapse: collapse; width: 100%; font-size: 14px; }
  th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #eee; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
</style>
</head>
<body>
<header><h1>${escape(report.title)}</h1><div>${escape(report.subtitle)}</div></header>
<main>
<div class="cards">${report.cards.map((c) => `<div class="card"><div class="label">${escape(c.label)}</div><div class="value">${escape(c.value)}</div></div>`).join('')}</div>
${charts.map((c) => `<section><h2>${escape(c.title)}</h2><div class="chart"><canvas id="${c.id}"></canvas></div></section>`).join('\n')}
${report.tables.map(table).join('\n')}
</main>
<script>${chartJsSource()}</script>
<script>
const charts = ${scriptJson(charts)};
const palette = ${scriptJson(palette)};
window.chartsDrawn = 0;
for (const c of charts) {
  new Chart(document.getElementById(c.id), {
    type: c.type,
    data: { labels: c.labels, datasets: c.datasets.map((d, i) => ({ ...d, borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length] + (c.type === 'line' ? '33' : 'cc'), tension: 0.25, fill: c.type === 'line' })) },
    options: {
      animation: false, maintainAspectRatio: false,
      scales: { x: { stacked: !!c.stacked }, y: { stacked: !!c.stacked, beginAtZero: true, ticks: c.percent ? { callback: (v) => Math.round(v * 100) + '%' } : {} } },
      plugins: { legend: { position: 'bottom' } },
    },
  });
  window.chartsDrawn += 1;
}
</script>
</body>
</html>
`;
}
