import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

/**
 * `column = any($n::uuid[])`: a list of ids bound as one array parameter. drizzle's inArray binds
 * one parameter per element, and for the few hundred ids of the open groups building those chunks
 * cost more than running the queries. An empty list matches nothing.
 */
export const idIn = (column: SQLWrapper, ids: readonly string[]): SQL => sql`${column} = any(${sql.param(ids)}::uuid[])`;
