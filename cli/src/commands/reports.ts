// cs reports kpis|revenue|funnel|cohorts|segments|recs (admins): the ETL's figures over a range of
// days and a slice, as tables with terminal charts, --csv, --json, or --out report.html.
import fs from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import type { CohortReport, ConnectSphere, FunnelReport, KpiReport, RecommendationReport, ReportName, ReportQuery, RevenueReport, SegmentReport } from '@connectsphere/sdk';
import { heatCell, hbar, sparkline } from '../charts.ts';
import { makeClient, requireSession, run } from '../client.ts';
import { money, relative, uuidOption } from '../format.ts';
import { note, paint, printJson, println, renderPairs, renderTable, withSpinner } from '../output.ts';
import { renderHtml, type HtmlReport } from '../reports/html.ts';

const day = (value: string) => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) throw new InvalidArgumentError('must be a day, e.g. 2026-11-01');
  return value;
};

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(1)}%`);
const amounts = (m: Record<string, number>) => (Object.keys(m).length ? Object.entries(m).map(([c, v]) => money(v, c)).join(' + ') : '-');
const rangeLine = (r: KpiReport['range']) =>
  `${r.from} to ${r.to} · ${r.market ?? 'all markets'} · ${r.category ?? 'all categories'}${r.supplierId ? ` · supplier ${r.supplierId.slice(0, 8)}` : ''}`;

interface View<R> {
  title: string;
  read: (cs: ConnectSphere, q: ReportQuery) => Promise<R>;
  print: (r: R) => string;
  html: (r: R) => Omit<HtmlReport, 'title' | 'subtitle'>;
}

const kpis: View<KpiReport> = {
  title: 'Platform KPIs',
  read: (cs, q) => cs.reports.kpis(q),
  print: (r) => {
    const series = (get: (f: KpiReport['totals']) => number | null) => sparkline(r.days.map((d) => get(d.figures) ?? 0));
    const t = r.totals;
    const rows: [string, string, string][] = [
      ['Joins', String(t.joins), series((f) => f.joins)],
      ['Conversion (paid joins / joins)', pct(t.conversion), series((f) => f.conversion)],
      ['Payment success', pct(t.paymentSuccessRate), series((f) => f.paymentSuccessRate)],
      ['Groups closed / succeeded', `${t.groupsClosed} / ${t.groupsSucceeded} (${pct(t.groupSuccessRate)})`, series((f) => f.groupsSucceeded)],
      ['Average group size', t.averageGroupSize === null ? '-' : t.averageGroupSize.toFixed(1), ''],
      ['Goods paid', amounts(t.goods), series((f) => Object.values(f.goods).reduce((a, b) => a + b, 0))],
      ['Platform fees', amounts(t.fees), series((f) => Object.values(f.fees).reduce((a, b) => a + b, 0))],
      ['Revenue per group', amounts(t.revenuePerGroup), ''],
      ['Refunds', amounts(t.refunds), ''],
      ['Pickup success (collected / passes)', `${t.pickups} / ${t.passesIssued} (${pct(t.pickupSuccessRate)})`, series((f) => f.pickups)],
      ['Recommendation CTR', pct(t.recommendationCtr), series((f) => f.recommendationCtr)],
      ['Group views', String(t.views), series((f) => f.views)],
      ['Repeat participation', pct(r.repeatParticipation), ''],
      ['Median days to first group', r.medianDaysToFirstGroup === null ? '-' : String(r.medianDaysToFirstGroup), ''],
    ];
    const quality = r.dataQuality.quarantined ? `${r.dataQuality.quarantined} events quarantined (${Object.entries(r.dataQuality.reasons).map(([k, v]) => `${v}× ${k}`).join('; ')})` : 'no events quarantined';
    return [
      renderTable(rows, [
        { header: 'KPI', value: (x) => x[0] },
        { header: 'VALUE', value: (x) => x[1], flex: true },
        { header: `DAILY (${r.days.length} d)`, value: (x) => x[2] },
      ]),
      '',
      paint().dim(`Data: ${quality}; ETL last run ${r.etl.lastRunAt ? relative(r.etl.lastRunAt) : 'never'}.`),
    ].join('\n');
  },
  html: (r) => ({
    cards: [
      { label: 'Conversion', value: pct(r.totals.conversion) },
      { label: 'Group success', value: pct(r.totals.groupSuccessRate) },
      { label: 'Payment success', value: pct(r.totals.paymentSuccessRate) },
      { label: 'Goods paid', value: amounts(r.totals.goods) },
      { label: 'Platform fees', value: amounts(r.totals.fees) },
      { label: 'Recommendation CTR', value: pct(r.totals.recommendationCtr) },
    ],
    charts: [
      { title: 'Joins and paid joins per day', type: 'line', labels: r.days.map((d) => d.day), datasets: [{ label: 'Joins', data: r.days.map((d) => d.figures.joins) }, { label: 'Paid joins', data: r.days.map((d) => d.figures.paidJoins) }] },
      { title: 'Conversion and payment success per day', type: 'line', percent: true, labels: r.days.map((d) => d.day), datasets: [{ label: 'Conversion', data: r.days.map((d) => d.figures.conversion) }, { label: 'Payment success', data: r.days.map((d) => d.figures.paymentSuccessRate) }] },
    ],
    tables: [
      {
        title: 'Per day',
        header: ['Day', 'Views', 'Joins', 'Paid joins', 'Conversion', 'Payments ok', 'Failed', 'Pickups'],
        rows: r.days.map((d) => [d.day, d.figures.views, d.figures.joins, d.figures.paidJoins, pct(d.figures.conversion), d.figures.paymentsSucceeded, d.figures.paymentsFailed, d.figures.pickups]),
      },
    ],
  }),
};

const revenue: View<RevenueReport> = {
  title: 'Revenue',
  read: (cs, q) => cs.reports.revenue(q),
  print: (r) => {
    if (r.days.length === 0) return 'No payments in the range.';
    const max = Math.max(...r.days.map((d) => d.goods));
    return [
      renderTable(r.days, [
        { header: 'DAY', value: (d) => d.day },
        { header: 'GOODS', value: (d) => money(d.goods, d.currency) },
        { header: 'FEES', value: (d) => money(d.fees, d.currency) },
        { header: 'REFUNDS', value: (d) => money(d.refunds, d.currency) },
        { header: '', value: (d) => hbar(d.goods, max, 24), flex: true },
      ]),
      '',
      renderPairs([
        ['Goods', amounts(r.totals.goods)],
        ['Fees', amounts(r.totals.fees)],
        ['Refunds', amounts(r.totals.refunds)],
      ]),
    ].join('\n');
  },
  html: (r) => {
    const labels = [...new Set(r.days.map((d) => d.day))];
    const currencies = [...new Set(r.days.map((d) => d.currency))];
    return {
      cards: [
        { label: 'Goods', value: amounts(r.totals.goods) },
        { label: 'Fees', value: amounts(r.totals.fees) },
        { label: 'Refunds', value: amounts(r.totals.refunds) },
      ],
      charts: currencies.map((c) => ({
        title: `Goods and fees per day (${c}, minor units)`,
        type: 'bar' as const,
        stacked: true,
        labels,
        datasets: [
          { label: 'Goods', data: labels.map((l) => r.days.find((d) => d.day === l && d.currency === c)?.goods ?? 0) },
          { label: 'Fees', data: labels.map((l) => r.days.find((d) => d.day === l && d.currency === c)?.fees ?? 0) },
        ],
      })),
      tables: [{ title: 'Per day', header: ['Day', 'Currency', 'Goods', 'Fees', 'Refunds'], rows: r.days.map((d) => [d.day, d.currency, money(d.goods, d.currency), money(d.fees, d.currency), money(d.refunds, d.currency)]) }],
    };
  },
};

const funnel: View<FunnelReport> = {
  title: 'Funnel',
  read: (cs, q) => cs.reports.funnel(q),
  print: (r) => {
    const max = Math.max(1, ...r.steps.map((s) => s.actors));
    return renderTable(r.steps, [
      { header: 'STEP', value: (s) => s.step },
      { header: 'TRADERS', value: (s) => String(s.actors) },
      { header: 'OF PREVIOUS', value: (s) => pct(s.shareOfPrevious) },
      { header: '', value: (s) => hbar(s.actors, max, 30), flex: true },
    ]);
  },
  html: (r) => ({
    cards: r.steps.map((s) => ({ label: s.step, value: `${s.actors}${s.shareOfPrevious === null ? '' : ` (${pct(s.shareOfPrevious)})`}` })),
    charts: [{ title: 'Traders reaching each step', type: 'bar', labels: r.steps.map((s) => s.step), datasets: [{ label: 'Traders', data: r.steps.map((s) => s.actors) }] }],
    tables: [{ title: 'Steps', header: ['Step', 'Traders', 'Of previous'], rows: r.steps.map((s) => [s.step, s.actors, pct(s.shareOfPrevious)]) }],
  }),
};

const weeks = Array.from({ length: 8 }, (_, k) => `W${k}`);
const cohorts: View<CohortReport> = {
  title: 'Cohorts',
  read: (cs, q) => cs.reports.cohorts(q),
  print: (r) =>
    r.cohorts.length === 0
      ? 'No traders registered in the range.'
      : renderTable(r.cohorts, [
          { header: 'WEEK OF', value: (c) => c.week },
          { header: 'TRADERS', value: (c) => String(c.traders) },
          ...weeks.map((w, k) => ({ header: w, value: (c: CohortReport['cohorts'][number]) => heatCell(c.retention[k] ?? 0) })),
        ]),
  html: (r) => ({
    cards: [{ label: 'Cohorts', value: String(r.cohorts.length) }, { label: 'Traders', value: String(r.cohorts.reduce((s, c) => s + c.traders, 0)) }],
    charts: [],
    tables: [{ title: 'Share of each cohort paying in week N after registration', header: ['Week of', 'Traders', ...weeks], rows: r.cohorts.map((c) => [c.week, c.traders, ...c.retention]), heat: weeks.map((_, k) => k + 2) }],
  }),
};

const segments: View<SegmentReport> = {
  title: 'Segments',
  read: (cs, q) => cs.reports.segments(q),
  print: (r) =>
    r.segments.length === 0
      ? 'No trader features yet: the analytics-etl job builds them (cs jobs run analytics-etl).'
      : renderTable(r.segments, [
          { header: 'SEGMENT', value: (s) => s.segment },
          { header: 'TIER', value: (s) => s.loyaltyTier },
          { header: 'TRADERS', value: (s) => String(s.traders) },
          { header: 'GROUPS/TRADER', value: (s) => s.averageFrequency.toFixed(2) },
          { header: 'DAYS SINCE PAID', value: (s) => (s.averageRecencyDays === null ? '-' : s.averageRecencyDays.toFixed(1)) },
          { header: 'SPENT', value: (s) => money(s.monetaryUsd, 'USD') },
          { header: 'CHURN RISK', value: (s) => pct(s.averageChurnRisk) },
        ]),
  html: (r) => ({
    cards: [{ label: 'Traders', value: String(r.segments.reduce((s, x) => s + x.traders, 0)) }],
    charts: [{ title: 'Traders per segment and tier', type: 'bar', labels: r.segments.map((s) => `${s.segment} / ${s.loyaltyTier}`), datasets: [{ label: 'Traders', data: r.segments.map((s) => s.traders) }] }],
    tables: [{ title: 'Segments', header: ['Segment', 'Tier', 'Traders', 'Groups/trader', 'Days since paid', 'Spent (USD)', 'Churn risk'], rows: r.segments.map((s) => [s.segment, s.loyaltyTier, s.traders, s.averageFrequency, s.averageRecencyDays ?? '-', money(s.monetaryUsd, 'USD'), pct(s.averageChurnRisk)]) }],
  }),
};

const recs: View<RecommendationReport> = {
  title: 'Recommendations',
  read: (cs, q) => cs.reports.recommendations(q),
  print: (r) =>
    r.variants.length === 0
      ? 'No recommendations shown in the range.'
      : renderTable(r.variants, [
          { header: 'VARIANT', value: (v) => v.variant },
          { header: 'SHOWN', value: (v) => String(v.shown) },
          { header: 'CLICKED', value: (v) => String(v.clicked) },
          { header: 'JOINED', value: (v) => String(v.joined) },
          { header: 'CTR', value: (v) => pct(v.ctr) },
          { header: 'JOIN RATE', value: (v) => pct(v.joinRate) },
        ]),
  html: (r) => ({
    cards: r.variants.map((v) => ({ label: `${v.variant} CTR`, value: pct(v.ctr) })),
    charts: [{ title: 'CTR and join rate per variant', type: 'bar', percent: true, labels: r.variants.map((v) => v.variant), datasets: [{ label: 'CTR', data: r.variants.map((v) => v.ctr) }, { label: 'Join rate', data: r.variants.map((v) => v.joinRate) }] }],
    tables: [{ title: 'Variants', header: ['Variant', 'Shown', 'Clicked', 'Joined', 'CTR', 'Join rate'], rows: r.variants.map((v) => [v.variant, v.shown, v.clicked, v.joined, pct(v.ctr), pct(v.joinRate)]) }],
  }),
};

interface ReportOptions {
  from?: string;
  to?: string;
  market?: string;
  category?: string;
  supplier?: string;
  csv?: boolean;
  out?: string;
}

export function registerReports(program: Command): void {
  const reports = program.command('reports').description('Admins: KPIs, revenue, funnel, cohorts, segments and recommendations from the analytics ETL');
  addReport(reports, 'kpis', 'kpis', kpis);
  addReport(reports, 'revenue', 'revenue', revenue);
  addReport(reports, 'funnel', 'funnel', funnel);
  addReport(reports, 'cohorts', 'cohorts', cohorts);
  addReport(reports, 'segments', 'segments', segments);
  addReport(reports, 'recs', 'recommendations', recs);
}

function addReport<R extends { range: KpiReport['range'] }>(reports: Command, command: string, name: ReportName, view: View<R>): void {
  reports
    .command(command)
    .description(`${view.title} over a range of days (UTC; the last 30 by default)`)
    .option('--from <day>', 'first day, e.g. 2026-11-01', day)
    .option('--to <day>', 'last day (included)', day)
    .option('--market <market>', 'only this market, e.g. "Mbare Musika"')
    .option('--category <category>', 'only this product category')
    .option('--supplier <id>', "only this supplier organisation's products", uuidOption)
    .option('--csv', 'print CSV (a header row, one row per line)')
    .option('--out <file.html>', 'write a self-contained HTML report with charts')
    .option('--json', 'print the report as JSON')
    .action((opts: ReportOptions, cmd: Command) =>
      run(cmd, async (ctx) => {
        requireSession(ctx);
        const client = makeClient(ctx);
        const query: ReportQuery = { from: opts.from, to: opts.to, market: opts.market, category: opts.category, supplierId: opts.supplier };
        if (opts.csv) {
          process.stdout.write(await withSpinner(`Loading ${view.title.toLowerCase()}`, () => client.reports.csv(name, query), false));
          return;
        }
        const report = await withSpinner(`Loading ${view.title.toLowerCase()}`, () => view.read(client, query), !ctx.json);
        if (opts.out) {
          fs.writeFileSync(opts.out, renderHtml({ title: `ConnectSphere · ${view.title}`, subtitle: rangeLine(report.range), ...view.html(report) }));
          if (ctx.json) return printJson({ out: opts.out, report });
          return note(`${paint().green('✓')} wrote ${opts.out} (${view.title}, ${report.range.from} to ${report.range.to})`);
        }
        if (ctx.json) return printJson(report);
        println(paint().bold(`${view.title} · ${rangeLine(report.range)}`));
        println();
        println(view.print(report));
      }),
    );
}
