// What `cs dashboard` shows, read through the SDK: the open groups furthest along, payments and
// pickups per hour, open alerts and the recommendation model's health. Each part is read on its
// own, so one failing (or not offered by this API yet) leaves the others on the screen.
import { ApiError, type Alert, type ConnectSphere, type DashboardActivity, type Group, type ModelHealth } from '@connectsphere/sdk';

export type DashboardAlert = Alert;

export type Part<T> = { ok: true; value: T } | { ok: false; error: string };

export interface DashboardData {
  /** When this snapshot was read (ISO). */
  at: string;
  groups: Part<{ items: Group[]; more: boolean }>;
  activity: Part<DashboardActivity['hours']>;
  /** Open and acknowledged alerts. */
  alerts: Part<DashboardAlert[]>;
  health: Part<ModelHealth>;
}

async function part<T>(read: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (err) {
    return { ok: false, error: err instanceof ApiError ? `${err.status} ${err.problem.title}` : err instanceof Error ? err.message : String(err) };
  }
}

export async function loadDashboard(client: ConnectSphere, options: { groups?: number; hours?: number } = {}): Promise<DashboardData> {
  const groupLimit = options.groups ?? 8;
  const [groups, activity, alerts, health] = await Promise.all([
    part(async () => {
      const page = await client.groups.list({ status: 'open', sort: 'progress', limit: groupLimit });
      return { items: page.items, more: page.nextCursor !== null };
    }),
    part(async () => (await client.dashboard.activity(options.hours ?? 12)).hours),
    part(async () => (await client.admin.alerts.list({ status: 'active', limit: 5 })).items),
    part(() => client.ml.health()),
  ]);
  return { at: new Date().toISOString(), groups, activity, alerts, health };
}
