// The reports as CSV: a header row, one row per line of the report, RFC 4180 quoting.
import type { JsonReply, KpiReport } from './reports.ts';

type Cell = string | number | null | undefined;

function cell(v: Cell): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(Math.round(v * 1e6) / 1e6) : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

type Figures = KpiReport['totals'];
const figureColumns: [string, (f: Figures) => Cell][] = [
  ['views', (f) => f.views],
  ['joins', (f) => f.joins],
  ['paid_joins', (f) => f.paidJoins],
  ['conversion', (f) => f.conversion],
  ['groups_closed', (f) => f.groupsClosed],
  ['groups_succeeded', (f) => f.groupsSucceeded],
  ['group_success_rate', (f) => f.groupSuccessRate],
  ['average_group_size', (f) => f.averageGroupSize],
  ['payments_succeeded', (f) => f.paymentsSucceeded],
  ['payments_failed', (f) => f.paymentsFailed],
  ['payment_success_rate', (f) => f.paymentSuccessRate],
  ['passes_issued', (f) => f.passesIssued],
  ['pickups', (f) => f.pickups],
  ['pickup_success_rate', (f) => f.pickupSuccessRate],
  ['recommendations_shown', (f) => f.recommendationsShown],
  ['recommendations_clicked', (f) => f.recommendationsClicked],
  ['recommendation_ctr', (f) => f.recommendationCtr],
];

/** One row per day and a last `total` row; amounts get a column per currency seen (goods_USD…). */
export function kpiCsv(report: KpiReport): string {
  const currencies = [...new Set(Object.keys({ ...report.totals.goods, ...report.totals.fees, ...report.totals.refunds }))].sort();
  const money = (f: Figures) => currencies.flatMap((c) => [f.goods[c] ?? 0, f.fees[c] ?? 0, f.refunds[c] ?? 0]);
  const header = ['day', ...figureColumns.map(([h]) => h), ...currencies.flatMap((c) => [`goods_${c}`, `fees_${c}`, `refunds_${c}`])];
  const line = (day: string, f: Figures) => [day, ...figureColumns.map(([, get]) => get(f)), ...money(f)];
  return toCsv(header, [...report.days.map((d) => line(d.day, d.figures)), line('total', report.totals)]);
}

export const revenueCsv = (r: JsonReply<'getRevenueReport'>) => toCsv(['day', 'currency', 'goods', 'fees', 'refunds'], r.days.map((d) => [d.day, d.currency, d.goods, d.fees, d.refunds]));
export const funnelCsv = (r: JsonReply<'getFunnelReport'>) => toCsv(['step', 'actors', 'share_of_previous'], r.steps.map((s) => [s.step, s.actors, s.shareOfPrevious]));
export const cohortCsv = (r: JsonReply<'getCohortReport'>) =>
  toCsv(['week', 'traders', ...Array.from({ length: 8 }, (_, k) => `week_${k}`)], r.cohorts.map((c) => [c.week, c.traders, ...c.retention]));
export const segmentCsv = (r: JsonReply<'getSegmentReport'>) =>
  toCsv(
    ['segment', 'loyalty_tier', 'traders', 'average_frequency', 'average_recency_days', 'monetary_usd', 'average_churn_risk'],
    r.segments.map((s) => [s.segment, s.loyaltyTier, s.traders, s.averageFrequency, s.averageRecencyDays, s.monetaryUsd, s.averageChurnRisk]),
  );
export const recommendationCsv = (r: JsonReply<'getRecommendationReport'>) =>
  toCsv(['variant', 'shown', 'clicked', 'joined', 'ctr', 'join_rate'], r.variants.map((v) => [v.variant, v.shown, v.clicked, v.joined, v.ctr, v.joinRate]));
