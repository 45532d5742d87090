import { sql } from 'drizzle-orm';

/**
 * The market an event `e` counts in, one rule for the ETL and the reports: the pickup point's, for
 * the server's events that name one (joins, payments, passes, pickups); otherwise (views, a group's
 * outcome) the group's home market, the first in alphabetical order of its pickup points' markets;
 * '' for events of no group.
 */
export const eventMarket = sql.raw(`coalesce(
  (select pp.market from pickup_points pp where e.source = 'server' and pp.id = (e.properties->>'pickupPointId')::uuid),
  (select min(pp.market) from group_pickup_points gpp join pickup_points pp on pp.id = gpp.pickup_point_id where gpp.group_id = e.group_id),
  '')`);
