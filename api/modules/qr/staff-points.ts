import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { pickupPoints, staffPickupPoints, users } from '../../db/schema.ts';
import { HttpProblem, badRequest, conflict, notFound } from '../../errors.ts';
import { toPickupPoint, type PickupPointView } from './views.ts';

/** The pickup points a staff account works at, by name. */
export async function assignedPickupPoints(db: Queryable, userId: string): Promise<PickupPointView[]> {
  const rows = await db
    .select({ point: pickupPoints })
    .from(staffPickupPoints)
    .innerJoin(pickupPoints, eq(pickupPoints.id, staffPickupPoints.pickupPointId))
    .where(eq(staffPickupPoints.userId, userId))
    .orderBy(asc(pickupPoints.name), asc(pickupPoints.id));
  return rows.map((r) => toPickupPoint(r.point));
}

export async function getStaffPickupPoints(db: Queryable, userId: string) {
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.id, userId));
  if (!user) throw notFound(`User ${userId}`);
  return { userId, pickupPoints: await assignedPickupPoints(db, userId) };
}

/** Admin: replaces a staff account's pickup points (all or nothing). */
export async function setStaffPickupPoints(db: Queryable, userId: string, pickupPointIds: string[]) {
  return db.transaction(async (tx) => {
    const [user] = await tx.select({ id: users.id, role: users.role }).from(users).where(eq(users.id, userId)).for('update');
    if (!user) throw notFound(`User ${userId}`);
    if (user.role !== 'staff' && pickupPointIds.length) {
      throw conflict(`Only staff accounts are assigned to pickup points; this account is ${user.role} (make it staff first)`, { currentRole: user.role });
    }
    if (pickupPointIds.length) {
      const known = await tx.select({ id: pickupPoints.id }).from(pickupPoints).where(inArray(pickupPoints.id, pickupPointIds));
      const knownIds = new Set(known.map((k) => k.id));
      const missing = pickupPointIds.findIndex((id) => !knownIds.has(id));
      if (missing >= 0) throw badRequest(`body.pickupPointIds.${missing}`, 'is not a known pickup point');
    }
    await tx.delete(staffPickupPoints).where(eq(staffPickupPoints.userId, userId));
    if (pickupPointIds.length) await tx.insert(staffPickupPoints).values(pickupPointIds.map((pickupPointId) => ({ userId, pickupPointId })));
    return { userId, pickupPoints: await assignedPickupPoints(tx, userId) };
  });
}

/** Whether this scanner may hand over goods at this pickup point: admins anywhere, staff at their own. */
export async function worksAt(db: Queryable, scanner: { id: string; role: string }, pickupPointId: string): Promise<boolean> {
  if (scanner.role === 'admin') return true;
  const [row] = await db
    .select({ one: sql<number>`1` })
    .from(staffPickupPoints)
    .where(and(eq(staffPickupPoints.userId, scanner.id), eq(staffPickupPoints.pickupPointId, pickupPointId)));
  return row !== undefined;
}

/** The 403 for staff redeeming a pass that waits at another point. */
export function notYourPickupPoint(point: PickupPointView, yours: PickupPointView[]): HttpProblem {
  const where = yours.length ? `you work at ${yours.map((p) => p.name).join(', ')}` : 'you are not assigned to any pickup point (ask an admin)';
  return new HttpProblem(
    403,
    'forbidden',
    'Forbidden',
    `This pass is for ${point.name} (${point.market}, ${point.address}); ${where}. Send the trader there; nothing was handed over`,
    undefined,
    { pickupPoint: point, yourPickupPoints: yours },
  );
}
