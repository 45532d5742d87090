import { randomUUID } from 'node:crypto';
import { and, desc, eq, gt, gte, lte, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { AppContext } from '../../context.ts';
import type { Db, Queryable } from '../../db/client.ts';
import { contributions, groupPickupPoints, groups, pickupPasses, pickupPoints, products, staffPickupPoints, users } from '../../db/schema.ts';
import { HttpProblem, badRequest, conflict, notFound } from '../../errors.ts';
import { enqueue } from '../notifications/outbox.ts';
import { recordEvent, recordEvents } from '../events/domain-events.ts';
import { passLifecycle, type PassStatus } from './lifecycle.ts';
import { PassTokenError, signPassToken, verifyPassToken } from './pass-token.ts';
import { renderPassPng, renderPassSvg } from './render.ts';
import { assignedPickupPoints, notYourPickupPoint, worksAt } from './staff-points.ts';
import {
  passPngUrl,
  passSvgUrl,
  toPickupPoint,
  type PickupPassView,
  type Redemption,
  type ScanResult,
} from './views.ts';

type PassRow = typeof pickupPasses.$inferSelect;

const dayMs = 86_400_000;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const gone = (detail: string, extensions?: Record<string, unknown>) =>
  new HttpProblem(410, 'gone', 'Gone', detail, undefined, extensions);
const passNotFound = () => notFound('Pickup pass');

const trader = alias(users, 'pass_trader');
const staff = alias(users, 'pass_staff');
const usedPoint = alias(pickupPoints, 'pass_used_point');

/** Passes with everything a view needs: what to hand over, to whom, where, and where it was used. */
function selectPasses(q: Queryable, where: SQL | undefined) {
  return q
    .select({
      pass: pickupPasses,
      point: pickupPoints,
      groupTitle: groups.title,
      productName: products.name,
      unit: products.unit,
      traderName: trader.name,
      traderPhone: trader.phone,
      usedAtPoint: usedPoint.name,
      usedByName: staff.name,
    })
    .from(pickupPasses)
    .innerJoin(groups, eq(groups.id, pickupPasses.groupId))
    .innerJoin(products, eq(products.id, groups.productId))
    .innerJoin(pickupPoints, eq(pickupPoints.id, pickupPasses.pickupPointId))
    .innerJoin(trader, eq(trader.id, pickupPasses.traderId))
    .leftJoin(usedPoint, eq(usedPoint.id, pickupPasses.usedAtPointId))
    .leftJoin(staff, eq(staff.id, pickupPasses.usedBy))
    .where(where)
    .orderBy(desc(pickupPasses.createdAt), desc(pickupPasses.id));
}

type LoadedPass = Awaited<ReturnType<typeof selectPasses>>[number];

async function loadPass(q: Queryable, passId: string): Promise<LoadedPass | undefined> {
  if (!uuidPattern.test(passId)) return undefined;
  const [row] = await selectPasses(q, eq(pickupPasses.id, passId));
  return row;
}

export function passToken(ctx: AppContext, pass: PassRow): Promise<string> {
  return signPassToken(ctx.keys, ctx.config.jwt.issuer, pass);
}

async function toPassView(ctx: AppContext, row: LoadedPass): Promise<PickupPassView> {
  const p = row.pass;
  return {
    id: p.id,
    groupId: p.groupId,
    contributionId: p.contributionId,
    groupTitle: row.groupTitle,
    productName: row.productName,
    unit: row.unit,
    quantity: p.quantity,
    pickupPoint: toPickupPoint(row.point),
    status: p.status,
    expiresAt: p.expiresAt.toISOString(),
    usedAt: p.usedAt?.toISOString() ?? null,
    token: await passToken(ctx, p),
    pngUrl: passPngUrl(p.id),
    svgUrl: passSvgUrl(p.id),
    createdAt: p.createdAt.toISOString(),
  };
}

const newExpiry = (ctx: AppContext) => new Date(Date.now() + ctx.config.passValidityDays * dayMs);

/**
 * Called by the group lifecycle, inside its transaction, when a group becomes ready_for_pickup.
 * Issues one active pass per paid contribution that has never had one (so calling it again issues
 * nothing twice), and sets each of the group's pickup points' stock to the units delivered there:
 * the paid quantities of contributions that chose it, less any already collected.
 */
export async function issuePassesForGroup(tx: Queryable, ctx: AppContext, groupId: string): Promise<number> {
  const due = await tx
    .select({
      contributionId: contributions.id,
      traderId: contributions.traderId,
      pickupPointId: contributions.pickupPointId,
      quantity: contributions.quantity,
    })
    .from(contributions)
    .where(
      and(
        eq(contributions.groupId, groupId),
        eq(contributions.status, 'paid'),
        sql`not exists (select 1 from ${pickupPasses} where ${pickupPasses.contributionId} = ${contributions.id})`,
      ),
    );
  let issued = 0;
  if (due.length) {
    const expiresAt = newExpiry(ctx);
    const rows = await tx
      .insert(pickupPasses)
      .values(due.map((c) => ({ ...c, groupId, expiresAt })))
      .onConflictDoNothing()
      .returning({ id: pickupPasses.id, traderId: pickupPasses.traderId, pickupPointId: pickupPasses.pickupPointId, quantity: pickupPasses.quantity });
    issued = rows.length;
    // The holder's user channel hears of their pass; the point's staff channel of what is coming.
    await recordEvents(
      tx,
      rows.map((r) => ({ type: 'pass.issued', userId: r.traderId, groupId, data: { passId: r.id, pickupPointId: r.pickupPointId, quantity: r.quantity, expiresAt: expiresAt.toISOString() } })),
    );
  }
  await tx.execute(sql`
    update group_pickup_points gpp set stock = greatest(0,
      coalesce((select sum(c.quantity) from contributions c
                where c.group_id = gpp.group_id and c.pickup_point_id = gpp.pickup_point_id and c.status = 'paid'), 0)
      - coalesce((select sum(p.quantity) from pickup_passes p
                  where p.group_id = gpp.group_id and p.pickup_point_id = gpp.pickup_point_id and p.status = 'used'), 0))
    where gpp.group_id = ${groupId}`);
  return issued;
}

/** Every pass the trader holds, newest first, each with its signed token and image links. */
export async function listMyPasses(ctx: AppContext, traderId: string): Promise<{ items: PickupPassView[] }> {
  const rows = await selectPasses(ctx.db, eq(pickupPasses.traderId, traderId));
  return { items: await Promise.all(rows.map((r) => toPassView(ctx, r))) };
}

export interface PassImage {
  contentType: 'image/png' | 'image/svg+xml';
  body: Buffer | string;
}

/** The pass's QR code, for its holder, staff and admins; anyone else gets 404 so ids cannot be probed. */
export async function passImage(
  ctx: AppContext,
  user: { id: string; role: string },
  passId: string,
  format: 'png' | 'svg',
): Promise<PassImage> {
  if (!uuidPattern.test(passId)) throw passNotFound();
  const [pass] = await ctx.db.select().from(pickupPasses).where(eq(pickupPasses.id, passId));
  const allowed = pass && (pass.traderId === user.id || user.role === 'staff' || user.role === 'admin');
  if (!pass || !allowed) throw passNotFound();
  const token = await passToken(ctx, pass);
  return format === 'png'
    ? { contentType: 'image/png', body: await renderPassPng(token) }
    : { contentType: 'image/svg+xml', body: await renderPassSvg(token) };
}

function refusedState(row: LoadedPass): HttpProblem | undefined {
  const p = row.pass;
  if (p.status === 'revoked') {
    const when = p.revokedAt ? ` on ${p.revokedAt.toISOString()}` : '';
    return gone(
      p.replacedBy
        ? `This pass was revoked${when} and replaced by a new one; ask the trader to show their current pass`
        : `This pass was revoked${when}; there is nothing to hand over with it`,
      { currentState: 'revoked', revokedAt: p.revokedAt?.toISOString() ?? null },
    );
  }
  if (p.status === 'expired' || (p.status === 'active' && p.expiresAt.getTime() <= Date.now())) {
    return gone(`This pass expired at ${p.expiresAt.toISOString()}`, {
      currentState: 'expired',
      expiresAt: p.expiresAt.toISOString(),
    });
  }
  return undefined;
}

/**
 * What a scanned QR code stands for. The signature and expiry are checked first (a bad token is a
 * 400 on `path.token`, an expired one 410); a revoked pass is 410. A used pass is not an error: the
 * result says when and where it was redeemed, with `redeemable: false`.
 */
export async function scanPass(ctx: AppContext, scanner: { id: string; role: string }, token: string): Promise<ScanResult> {
  let passId: string;
  try {
    passId = (await verifyPassToken(ctx.keys.verifierKeySet, ctx.config.jwt.issuer, token)).passId;
  } catch (err) {
    if (err instanceof PassTokenError && err.reason === 'expired') {
      const at = err.expiresAt ? ` at ${err.expiresAt.toISOString()}` : '';
      throw gone(`This pass expired${at}`, { currentState: 'expired', expiresAt: err.expiresAt?.toISOString() ?? null });
    }
    throw badRequest('path.token', 'is not a valid pickup pass');
  }
  const row = await loadPass(ctx.db, passId);
  if (!row) throw passNotFound();
  const refused = refusedState(row);
  if (refused) throw refused;
  const p = row.pass;
  // Staff see at once when the goods wait at another point (redeeming there is refused).
  const atYourPickupPoint = await worksAt(ctx.db, scanner, p.pickupPointId);
  return {
    passId: p.id,
    status: p.status,
    redeemable: p.status === 'active' && atYourPickupPoint,
    atYourPickupPoint,
    productName: row.productName,
    unit: row.unit,
    quantity: p.quantity,
    traderName: row.traderName,
    pickupPoint: toPickupPoint(row.point),
    groupTitle: row.groupTitle,
    expiresAt: p.expiresAt.toISOString(),
    usedAt: p.usedAt?.toISOString() ?? null,
    usedAtPoint: row.usedAtPoint,
  };
}

/**
 * Hands over the goods: marks the pass used exactly once, even when two scanners race. The single
 * conditional UPDATE is the claim (PostgreSQL lets one transaction through; the others re-check
 * `status = 'active'` after it commits and update nothing). Whoever updated nothing is told why.
 * The group's stock at the point goes down in the same transaction, or nothing happens at all.
 */
export async function redeemPass(
  ctx: AppContext,
  staffUser: { id: string; role: string },
  passId: string,
  pickupPointId?: string,
): Promise<Redemption> {
  if (!uuidPattern.test(passId)) throw passNotFound();
  return ctx.db.transaction(async (tx) => {
    const conditions = [eq(pickupPasses.id, passId), gt(pickupPasses.expiresAt, sql`now()`)];
    if (pickupPointId) conditions.push(eq(pickupPasses.pickupPointId, pickupPointId));
    // Staff hand over only at the points they are assigned to; admins anywhere.
    if (staffUser.role !== 'admin') {
      conditions.push(
        sql`exists (select 1 from ${staffPickupPoints} where ${staffPickupPoints.userId} = ${staffUser.id} and ${staffPickupPoints.pickupPointId} = ${pickupPasses.pickupPointId})`,
      );
    }
    const [used] = await passLifecycle.moveAll(tx, and(...conditions), ['active'], 'used', {
      usedAt: sql`now()`,
      usedBy: staffUser.id,
      usedAtPointId: sql`${pickupPasses.pickupPointId}`,
    });
    if (!used) throw await whyNotRedeemable(tx, staffUser, passId, pickupPointId);

    const row = (await loadPass(tx, used.id))!;
    const [left] = await tx
      .update(groupPickupPoints)
      .set({ stock: sql`${groupPickupPoints.stock} - ${used.quantity}` })
      .where(
        and(
          eq(groupPickupPoints.groupId, used.groupId),
          eq(groupPickupPoints.pickupPointId, used.pickupPointId),
          gte(groupPickupPoints.stock, used.quantity),
        ),
      )
      .returning({ stock: groupPickupPoints.stock });
    if (!left) {
      const [current] = await tx
        .select({ stock: groupPickupPoints.stock })
        .from(groupPickupPoints)
        .where(and(eq(groupPickupPoints.groupId, used.groupId), eq(groupPickupPoints.pickupPointId, used.pickupPointId)));
      const available = current?.stock ?? 0;
      // Throwing rolls the pass back to active: nothing was handed over.
      throw conflict(
        `Only ${available} ${row.unit} of ${row.productName} for this group are left at ${row.point.name}; the pass is for ${used.quantity}. Nothing was handed over`,
        { currentState: 'active', availableStock: available, quantity: used.quantity },
      );
    }

    await recordEvent(tx, {
      type: 'pass.redeemed',
      userId: used.traderId,
      groupId: used.groupId,
      data: { passId: used.id, pickupPointId: used.pickupPointId, quantity: used.quantity, usedBy: staffUser.id, remainingStock: left.stock },
    });
    await enqueue(tx, [
      {
        userId: used.traderId,
        channel: 'sms',
        recipient: row.traderPhone,
        template: 'pickup-collected',
        payload: { name: row.traderName, product: row.productName, unit: row.unit, quantity: used.quantity, point: row.point.name },
      },
    ]);

    return {
      passId: used.id,
      usedAt: used.usedAt!.toISOString(),
      usedBy: staffUser.id,
      pickupPoint: toPickupPoint(row.point),
      quantity: used.quantity,
      remainingStock: left.stock,
    };
  });
}

/** Why the claiming UPDATE matched nothing, as the problem to answer with. */
async function whyNotRedeemable(
  tx: Queryable,
  staffUser: { id: string; role: string },
  passId: string,
  pickupPointId: string | undefined,
): Promise<HttpProblem> {
  const row = await loadPass(tx, passId);
  if (!row) return passNotFound();
  const p = row.pass;
  if (p.status === 'used') {
    const usedAt = p.usedAt?.toISOString() ?? 'an unknown time';
    const where = row.usedAtPoint ?? 'an unknown pickup point';
    return conflict(`Already redeemed at ${usedAt} at ${where}${row.usedByName ? ` by ${row.usedByName}` : ''}`, {
      currentState: 'used',
      usedAt: p.usedAt?.toISOString() ?? null,
      usedAtPoint: row.usedAtPoint,
      usedBy: row.usedByName,
    });
  }
  const refused = refusedState(row);
  if (refused) return refused;
  if (pickupPointId && p.pickupPointId !== pickupPointId) {
    const [here] = await tx.select({ name: pickupPoints.name }).from(pickupPoints).where(eq(pickupPoints.id, pickupPointId));
    return conflict(
      `This pass is for ${row.point.name} (${row.point.market}, ${row.point.address}), not ${here?.name ?? 'this pickup point'}; the goods are waiting there`,
      { currentState: p.status, pickupPoint: toPickupPoint(row.point) },
    );
  }
  if (!(await worksAt(tx, staffUser, p.pickupPointId))) {
    return notYourPickupPoint(toPickupPoint(row.point), await assignedPickupPoints(tx, staffUser.id));
  }
  // The database clock says expired while ours does not yet: refuse the same way.
  return gone(`This pass expired at ${p.expiresAt.toISOString()}`, { currentState: 'expired', expiresAt: p.expiresAt.toISOString() });
}

/**
 * Admin: revoke a pass (active or expired) and issue a new active one for the same contribution,
 * in one transaction. The old token then scans as revoked. A used pass cannot be reissued.
 */
export async function reissuePass(ctx: AppContext, passId: string): Promise<PickupPassView> {
  if (!uuidPattern.test(passId)) throw passNotFound();
  return ctx.db.transaction(async (tx) => {
    const [old] = await tx.select().from(pickupPasses).where(eq(pickupPasses.id, passId)).for('update');
    if (!old) throw passNotFound();
    if (old.status === 'used') {
      const row = (await loadPass(tx, old.id))!;
      passLifecycle.assert(
        old.status,
        'revoked',
        `This pass was already redeemed at ${old.usedAt?.toISOString() ?? 'an unknown time'} at ${row.usedAtPoint ?? 'an unknown pickup point'}; a used pass cannot be reissued`,
      );
    }
    passLifecycle.assert(
      old.status,
      'revoked',
      old.status === 'revoked' ? `This pass was already revoked and replaced by ${old.replacedBy ?? 'another pass'}` : undefined,
    );
    const [contribution] = await tx
      .select({ status: contributions.status })
      .from(contributions)
      .where(eq(contributions.id, old.contributionId));
    if (contribution?.status !== 'paid') {
      throw conflict(`The contribution is ${contribution?.status ?? 'gone'}; only a paid contribution gets a pickup pass`, {
        currentState: old.status as PassStatus,
      });
    }
    const freshId = randomUUID();
    await passLifecycle.move(tx, old.id, old.status, 'revoked', { revokedAt: sql`now()`, replacedBy: freshId });
    await tx.insert(pickupPasses).values({
      id: freshId,
      contributionId: old.contributionId,
      groupId: old.groupId,
      traderId: old.traderId,
      pickupPointId: old.pickupPointId,
      quantity: old.quantity,
      expiresAt: newExpiry(ctx),
    });
    return toPassView(ctx, (await loadPass(tx, freshId))!);
  });
}

/** Marks active passes past their expiry as expired (the expire-passes job). Returns how many. */
export async function expirePasses(db: Db): Promise<number> {
  const rows = await passLifecycle.moveAll(db, lte(pickupPasses.expiresAt, sql`now()`), ['active'], 'expired');
  return rows.length;
}
