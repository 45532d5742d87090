import type { Transport } from '../client.ts';
import type { components, operations } from '../schema.d.ts';

type Schemas = components['schemas'];
export type TrackEvent = Schemas['TrackEvent'];
export type TrackResult = Schemas['TrackResult'];
export type ReportQuery = Omit<NonNullable<operations['getKpiReport']['parameters']['query']>, 'format'>;
export type KpiReport = Schemas['KpiReport'];
export type RevenueReport = Schemas['RevenueReport'];
export type FunnelReport = Schemas['FunnelReport'];
export type CohortReport = Schemas['CohortReport'];
export type SegmentReport = Schemas['SegmentReport'];
export type RecommendationReport = Schemas['RecommendationReport'];
export type ReportName = 'kpis' | 'revenue' | 'funnel' | 'cohorts' | 'segments' | 'recommendations';

/** Tracking what a trader does in a frontend (`cs.analytics`): signed in, or anonymous by a device id. */
export class AnalyticsResource {
  constructor(private readonly t: Transport) {}

  /**
   * Sends up to 100 events. Give each a fresh `eventId` (crypto.randomUUID()) and keep it when
   * resending: the server ignores ids it already has. Without a session, pass the device id the
   * frontend keeps; after sign-in, passing it once more links its anonymous events to the trader.
   */
  track(events: TrackEvent[], options: { deviceId?: string } = {}): Promise<TrackResult> {
    return this.t.call('post', '/api/analytics/track', { body: { events, ...(options.deviceId ? { deviceId: options.deviceId } : {}) } });
  }
}

/** The admin reports (role admin): `cs.reports`. Each takes a range of days (UTC) and a slice. */
export class ReportsResource {
  constructor(private readonly t: Transport) {}

  kpis(query: ReportQuery = {}): Promise<KpiReport> {
    return this.t.call('get', '/api/admin/reports/kpis', { query }) as Promise<KpiReport>;
  }
  revenue(query: ReportQuery = {}): Promise<RevenueReport> {
    return this.t.call('get', '/api/admin/reports/revenue', { query }) as Promise<RevenueReport>;
  }
  funnel(query: ReportQuery = {}): Promise<FunnelReport> {
    return this.t.call('get', '/api/admin/reports/funnel', { query }) as Promise<FunnelReport>;
  }
  cohorts(query: ReportQuery = {}): Promise<CohortReport> {
    return this.t.call('get', '/api/admin/reports/cohorts', { query }) as Promise<CohortReport>;
  }
  segments(query: ReportQuery = {}): Promise<SegmentReport> {
    return this.t.call('get', '/api/admin/reports/segments', { query }) as Promise<SegmentReport>;
  }
  recommendations(query: ReportQuery = {}): Promise<RecommendationReport> {
    return this.t.call('get', '/api/admin/reports/recommendations', { query }) as Promise<RecommendationReport>;
  }

  /** A report as CSV text (a header row, then one row per line of the report). */
  csv(name: ReportName, query: ReportQuery = {}): Promise<string> {
    return this.t.call('get', `/api/admin/reports/${name}` as '/api/admin/reports/kpis', { query: { ...query, format: 'csv' } }) as unknown as Promise<string>;
  }
}
