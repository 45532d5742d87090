import { sql } from 'drizzle-orm';

// The market an event counts in, one rule for the ETL and the reports: the pickup point's, for the
// server's events that name one (joins, payments, passes, pickups); otherwise (views, a group's
// outcome) the group's home market, the first in alphabetical order of its pickup points' markets;
// '' for events of no group.

/** Each group's home market, as a relation (group_id, market) to join. */
export const groupHomeMarkets = sql.raw(
  `(select gpp.group_id, min(pp.market) as market from group_pickup_points gpp join pickup_points pp on pp.id = gpp.pickup_point_id group by gpp.group_id)`,
);

/** The pickup point an event names, for the server's own events only (a client's properties are its own). */
export const eventPickupPoint = sql.raw(`(case when e.source = 'server' then (e.properties->>'pickupPointId')::uuid end)`);

/** The same rule as an expression on one event `e` (reports over a range, where joining is not worth it). */
export const eventMarket = sql`coalesce(
  (select pp.market from pickup_points pp where pp.id = ${eventPickupPoint}),
  (select h.market from ${groupHomeMarkets} h where h.group_id = e.group_id),
  '')`;
