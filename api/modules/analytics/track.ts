// POST /api/analytics/track: a client's batch of events into the append-only store, with the
// client's event ids as the duplicate check, anonymous devices linked to the trader who signs in on
// them, and events the figures could not honestly use quarantined with the reason.
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Tx } from '../../db/client.ts';
import { badRequest } from '../../errors.ts';
import type { Body } from '../../openapi/contract.ts';

type TrackEvent = Body<'trackEvents'>['events'][number];
type Rows<T> = { rows: T[] };

/** Clocks drift; an event this far ahead of ours is a broken clock, not the future. */
const maxAheadMs = 5 * 60_000;

/** The fields an event carries beside its envelope, kept as its properties. */
function propertiesOf(e: TrackEvent): Record<string, unknown> {
  const { eventId: _id, type: _type, occurredAt: _at, groupId: _group, properties, ...fields } = e;
  return { ...(properties ?? {}), ...fields };
}

async function linkDevice(tx: Tx, deviceId: string, userId: string): Promise<void> {
  await tx.execute(sql`insert into analytics_devices (device_id, user_id) values (${deviceId}, ${userId}::uuid) on conflict (device_id) do nothing`);
  // The device's anonymous past becomes its trader's (the first trader who signed in on it).
  await tx.execute(sql`
    update analytics_events e set user_id = d.user_id from analytics_devices d
    where d.device_id = ${deviceId} and e.device_id = d.device_id and e.user_id is null`);
}

export async function trackEvents(ctx: AppContext, userId: string | undefined, body: Body<'trackEvents'>, now = new Date()) {
  if (!userId && !body.deviceId) throw badRequest('body.deviceId', 'is required without a token (an anonymous device id the client keeps)');
  const deviceId = body.deviceId ?? null;
  const oldest = now.getTime() - ctx.config.analytics.maxLatenessDays * 86_400_000;
  return ctx.db.transaction(async (tx) => {
    if (userId && deviceId) await linkDevice(tx, deviceId, userId);
    const owner = userId
      ? userId
      : (((await tx.execute(sql`select user_id from analytics_devices where device_id = ${deviceId}`)) as unknown as Rows<{ user_id: string }>).rows[0]?.user_id ?? null);

    const groupIds = [...new Set(body.events.flatMap((e) => (e.groupId ? [e.groupId] : [])))];
    const known = new Set(
      groupIds.length
        ? ((await tx.execute(sql`select id from groups where id = any(${sql.param(groupIds)}::uuid[])`)) as unknown as Rows<{ id: string }>).rows.map((r) => r.id)
        : [],
    );
    const quarantined: { eventId: string; reason: string; event: TrackEvent }[] = [];
    const valid: TrackEvent[] = [];
    for (const e of body.events) {
      const at = Date.parse(e.occurredAt);
      const reason =
        at > now.getTime() + maxAheadMs
          ? 'occurredAt is more than 5 minutes ahead of the server clock'
          : at < oldest
            ? `occurredAt is older than ANALYTICS_MAX_LATENESS_DAYS (${ctx.config.analytics.maxLatenessDays} days)`
            : e.groupId && !known.has(e.groupId)
              ? 'groupId names no group'
              : null;
      if (reason) quarantined.push({ eventId: e.eventId, reason, event: e });
      else valid.push(e);
    }

    let accepted = 0;
    if (valid.length) {
      const rows = JSON.stringify(valid.map((e) => ({ id: e.eventId, type: e.type, group: e.groupId ?? null, props: propertiesOf(e), at: e.occurredAt })));
      const inserted = (await tx.execute(sql`
        insert into analytics_events (event_id, source, type, user_id, device_id, group_id, properties, occurred_at)
        select (x->>'id')::uuid, 'client', x->>'type', ${owner}::uuid, ${deviceId}, (x->>'group')::uuid, x->'props', (x->>'at')::timestamptz
        from jsonb_array_elements(${rows}::jsonb) x
        on conflict (event_id) do nothing
        returning 1`)) as unknown as Rows<unknown>;
      accepted = inserted.rows.length;
    }
    if (quarantined.length) {
      const rows = JSON.stringify(quarantined.map((q) => ({ id: q.eventId, type: q.event.type, reason: q.reason, event: { ...q.event, userId: owner, deviceId }, at: q.event.occurredAt })));
      await tx.execute(sql`
        insert into analytics_quarantine (event_id, type, reason, event, occurred_at)
        select (x->>'id')::uuid, x->>'type', x->>'reason', x->'event', (x->>'at')::timestamptz from jsonb_array_elements(${rows}::jsonb) x`);
    }
    return { accepted, duplicates: valid.length - accepted, quarantined: quarantined.map(({ eventId, reason }) => ({ eventId, reason })) };
  });
}
