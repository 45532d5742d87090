import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../api/context.ts';
import { groupPickupPoints, notifications, pickupPasses, users } from '../../api/db/schema.ts';
import { HttpProblem } from '../../api/errors.ts';
import { signPassToken } from '../../api/modules/qr/pass-token.ts';
import {
  expirePasses,
  issuePassesForGroup,
  listMyPasses,
  passImage,
  redeemPass,
  reissuePass,
  scanPass,
} from '../../api/modules/qr/service.ts';
import { testContext } from '../helpers/app.ts';
import { onPostgres, resetDatabase } from '../helpers/db.ts';
import { buildWorld, problemOf, type World } from './fixtures.ts';

let ctx: AppContext;
let w: World;
beforeAll(async () => {
  ctx = await testContext();
});
beforeEach(async () => {
  await resetDatabase(ctx.database);
  w = await buildWorld(ctx);
});

const issue = () => ctx.db.transaction((tx) => issuePassesForGroup(tx, ctx, w.group.id));
const passOf = async (contributionId: string) => {
  const rows = await ctx.db.select().from(pickupPasses).where(eq(pickupPasses.contributionId, contributionId));
  expect(rows).toHaveLength(1);
  return rows[0]!;
};
const stockAt = async (pickupPointId: string) => {
  const [row] = await ctx.db
    .select({ stock: groupPickupPoints.stock })
    .from(groupPickupPoints)
    .where(and(eq(groupPickupPoints.groupId, w.group.id), eq(groupPickupPoints.pickupPointId, pickupPointId)));
  return row!.stock;
};
/** Waits (up to 10 s) until `n` sessions of this database are waiting for a lock; returns how many are. */
async function waitersOnLocks(n: number): Promise<number> {
  let waiting = 0;
  for (let i = 0; i < 200 && waiting < n; i++) {
    const result = await ctx.db.execute<{ n: number }>(
      sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    waiting = Number((result as unknown as { rows: { n: number }[] }).rows[0]?.n ?? 0);
    if (waiting < n) await new Promise((r) => setTimeout(r, 50));
  }
  return waiting;
}
const tokenOf = async (traderId: string) => {
  const { items } = await listMyPasses(ctx, traderId);
  return items[0]!.token;
};

describe('issuing pickup passes', () => {
  it('issues one active pass per paid contribution, once, and stocks each pickup point with what was paid for there', async () => {
    const before = Date.now();
    expect(await issue()).toBe(3);
    const passes = await ctx.db.select().from(pickupPasses);
    expect(passes.map((p) => p.contributionId).sort()).toEqual(
      [w.contributions.tendai.id, w.contributions.chipo.id, w.contributions.farai.id].sort(),
    );
    for (const p of passes) {
      expect(p.status).toBe('active');
      const days = (p.expiresAt.getTime() - before) / 86_400_000;
      expect(days).toBeGreaterThanOrEqual(ctx.config.passValidityDays - 0.01);
      expect(days).toBeLessThan(ctx.config.passValidityDays + 0.01);
    }
    expect(await passOf(w.contributions.tendai.id)).toMatchObject({ quantity: 5, pickupPointId: w.points.mbare.id, traderId: w.traders.tendai.id });
    expect(await stockAt(w.points.mbare.id)).toBe(8);
    expect(await stockAt(w.points.glenView.id)).toBe(4);
    expect(await stockAt(w.points.empty.id)).toBe(0);

    // Again: nothing new, and stock already collected stays collected.
    const tendai = await passOf(w.contributions.tendai.id);
    await redeemPass(ctx, w.staff, tendai.id);
    expect(await issue()).toBe(0);
    expect(await ctx.db.select().from(pickupPasses)).toHaveLength(3);
    expect(await stockAt(w.points.mbare.id)).toBe(3);
  });

  it("lists a trader's own passes with a signed token and image links, and nobody else's", async () => {
    await issue();
    const { items } = await listMyPasses(ctx, w.traders.tendai.id);
    expect(items).toHaveLength(1);
    const p = items[0]!;
    expect(Object.keys(p).sort()).toEqual(
      ['id', 'groupId', 'contributionId', 'groupTitle', 'productName', 'unit', 'quantity', 'pickupPoint', 'status', 'expiresAt', 'usedAt', 'token', 'pngUrl', 'svgUrl', 'createdAt'].sort(),
    );
    expect(p).toMatchObject({
      groupId: w.group.id,
      contributionId: w.contributions.tendai.id,
      groupTitle: w.group.title,
      productName: 'Roller meal 20 kg',
      unit: 'bag',
      quantity: 5,
      status: 'active',
      usedAt: null,
      pngUrl: `/api/qr/passes/${p.id}.png`,
      svgUrl: `/api/qr/passes/${p.id}.svg`,
      pickupPoint: {
        id: w.points.mbare.id,
        name: 'Mbare Musika pickup',
        market: 'Mbare Musika',
        address: 'Stand 12, Mbare Musika',
        openingHours: 'Mon-Sat 07:00-17:00',
        lat: null,
        lng: null,
      },
    });
    expect(new Date(p.expiresAt).toISOString()).toBe(p.expiresAt);
    expect(decodeJwt(p.token)).toMatchObject({ sub: p.id, pp: w.points.mbare.id });
    expect((await listMyPasses(ctx, w.traders.rudo.id)).items).toEqual([]);
  });

  it('puts no personal data in the token', async () => {
    await issue();
    const token = await tokenOf(w.traders.tendai.id);
    const text = token
      .split('.')
      .slice(0, 2)
      .map((part) => Buffer.from(part, 'base64url').toString())
      .join(' ');
    for (const personal of ['Tendai', 'Moyo', '772123456', w.traders.tendai.id, w.traders.tendai.email, w.contributions.tendai.id]) {
      expect(text).not.toContain(personal);
    }
    expect(Object.keys(decodeJwt(token)).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'pp', 'sub']);
  });
});

describe('pass images', () => {
  it('encodes exactly the token in a PNG a QR reader decodes', async () => {
    await issue();
    const pass = (await listMyPasses(ctx, w.traders.tendai.id)).items[0]!;
    const png = await passImage(ctx, w.traders.tendai, pass.id, 'png');
    expect(png.contentType).toBe('image/png');
    const body = png.body as Buffer;
    expect(body.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const width = body.readUInt32BE(16);
    expect(width).toBeGreaterThanOrEqual(280);
    expect(width).toBeLessThanOrEqual(380);

    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cs-qr-')), 'pass.png');
    fs.writeFileSync(file, body);
    let decoded: string;
    try {
      decoded = execFileSync('zbarimg', ['--raw', '-q', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('zbarimg is missing: apt-get install -y zbar-tools');
      throw err;
    }
    expect(decoded.replace(/\n$/, '')).toBe(pass.token);
  });

  it('renders an SVG of the same code', async () => {
    await issue();
    const pass = (await listMyPasses(ctx, w.traders.tendai.id)).items[0]!;
    const svg = await passImage(ctx, w.traders.tendai, pass.id, 'svg');
    expect(svg.contentType).toBe('image/svg+xml');
    const text = svg.body as string;
    expect(text).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]* viewBox="0 0 \d+ \d+"/);
    expect(text).toContain('<path');
    expect(text.trimEnd()).toMatch(/<\/svg>$/);
  });

  it('shows a pass to its holder, staff and admins, and is 404 to anyone else', async () => {
    await issue();
    const pass = (await listMyPasses(ctx, w.traders.tendai.id)).items[0]!;
    for (const viewer of [w.traders.tendai, w.staff, w.admin]) {
      await expect(passImage(ctx, viewer, pass.id, 'svg')).resolves.toMatchObject({ contentType: 'image/svg+xml' });
    }
    await problemOf(passImage(ctx, w.traders.chipo, pass.id, 'png'), 404);
    await problemOf(passImage(ctx, w.traders.chipo, '00000000-0000-4000-8000-000000000000', 'png'), 404);
  });
});

describe('scanning', () => {
  it('says what to hand over and to whom', async () => {
    await issue();
    const pass = await passOf(w.contributions.tendai.id);
    const result = await scanPass(ctx, w.staff, await tokenOf(w.traders.tendai.id));
    expect(result).toEqual({
      passId: pass.id,
      status: 'active',
      redeemable: true,
      atYourPickupPoint: true,
      productName: 'Roller meal 20 kg',
      unit: 'bag',
      quantity: 5,
      traderName: 'Tendai Moyo',
      pickupPoint: expect.objectContaining({ id: w.points.mbare.id, name: 'Mbare Musika pickup' }),
      groupTitle: w.group.title,
      expiresAt: pass.expiresAt.toISOString(),
      usedAt: null,
      usedAtPoint: null,
    });
  });

  it('refuses a token that is not a pass as a 400 on path.token', async () => {
    const problem = await problemOf(scanPass(ctx, w.staff, 'eyJhbGciOiJub25lIn0.e30.'), 400);
    expect(problem.errors).toEqual([{ field: 'path.token', message: 'is not a valid pickup pass' }]);
  });

  it('is 404 for a genuine token whose pass does not exist', async () => {
    const token = await signPassToken(ctx.keys, ctx.config.jwt.issuer, {
      id: '00000000-0000-4000-8000-000000000000',
      pickupPointId: w.points.mbare.id,
      expiresAt: new Date(Date.now() + 3_600_000),
      createdAt: new Date(),
    });
    await problemOf(scanPass(ctx, w.staff, token), 404);
  });
});

describe('staff belong to pickup points', () => {
  it('a scan shows at once that the pass is for another point, and redeeming it there is a 403 that changes nothing', async () => {
    await issue();
    const pass = await passOf(w.contributions.tendai.id); // waits at Mbare
    const scan = await scanPass(ctx, w.glenViewStaff, await tokenOf(w.traders.tendai.id));
    expect(scan).toMatchObject({ status: 'active', atYourPickupPoint: false, redeemable: false, pickupPoint: expect.objectContaining({ name: 'Mbare Musika pickup' }) });

    const refused = await problemOf(redeemPass(ctx, w.glenViewStaff, pass.id), 403);
    expect(refused.detail).toBe(
      'This pass is for Mbare Musika pickup (Mbare Musika, Stand 12, Mbare Musika); you work at Glen View pickup. Send the trader there; nothing was handed over',
    );
    expect(refused.extensions).toMatchObject({ pickupPoint: { id: w.points.mbare.id }, yourPickupPoints: [{ id: w.points.glenView.id }] });
    // Naming the pass's own point does not help someone who does not work there.
    await problemOf(redeemPass(ctx, w.glenViewStaff, pass.id, w.points.mbare.id), 403);
    expect((await passOf(w.contributions.tendai.id)).status).toBe('active');
    expect(await stockAt(w.points.mbare.id)).toBe(8);

    // At their own point the same staff member hands over.
    const farai = await passOf(w.contributions.farai.id);
    expect(await scanPass(ctx, w.glenViewStaff, await tokenOf(w.traders.farai.id))).toMatchObject({ atYourPickupPoint: true, redeemable: true });
    await expect(redeemPass(ctx, w.glenViewStaff, farai.id)).resolves.toMatchObject({ passId: farai.id });
  });

  it('staff with no pickup point redeem nowhere; admins redeem anywhere', async () => {
    await issue();
    const pass = await passOf(w.contributions.tendai.id);
    const [unassigned] = await ctx.db
      .insert(users)
      .values({ email: `loose-staff-${process.pid}@example.co.zw`, name: 'Loose Staff', phone: '+263779000888', passwordHash: 'x', role: 'staff', market: 'Mbare Musika' })
      .returning();
    expect(await scanPass(ctx, unassigned!, await tokenOf(w.traders.tendai.id))).toMatchObject({ atYourPickupPoint: false, redeemable: false });
    const refused = await problemOf(redeemPass(ctx, unassigned!, pass.id), 403);
    expect(refused.detail).toContain('you are not assigned to any pickup point (ask an admin)');

    expect(await scanPass(ctx, w.admin, await tokenOf(w.traders.tendai.id))).toMatchObject({ atYourPickupPoint: true, redeemable: true });
    await expect(redeemPass(ctx, w.admin, pass.id)).resolves.toMatchObject({ passId: pass.id, usedBy: w.admin.id });
  });
});

describe('redeeming', () => {
  it('hands over once; a second attempt is a 409 saying when, where and by whom', async () => {
    await issue();
    const pass = await passOf(w.contributions.tendai.id);
    const redemption = await redeemPass(ctx, w.staff, pass.id, w.points.mbare.id);
    expect(redemption).toEqual({
      passId: pass.id,
      usedAt: expect.any(String),
      usedBy: w.staff.id,
      pickupPoint: expect.objectContaining({ id: w.points.mbare.id, name: 'Mbare Musika pickup' }),
      quantity: 5,
      remainingStock: 3,
    });
    expect(await stockAt(w.points.mbare.id)).toBe(3);

    const again = await problemOf(redeemPass(ctx, w.staff, pass.id, w.points.mbare.id), 409);
    expect(again.detail).toBe(`Already redeemed at ${redemption.usedAt} at Mbare Musika pickup by Nyasha Staff`);
    expect(again.extensions).toMatchObject({ currentState: 'used', usedAt: redemption.usedAt, usedAtPoint: 'Mbare Musika pickup' });
    expect(await stockAt(w.points.mbare.id)).toBe(3);

    // A second scan answers with when and where, and is not redeemable.
    const scan = await scanPass(ctx, w.staff, await tokenOf(w.traders.tendai.id));
    expect(scan).toMatchObject({ status: 'used', redeemable: false, usedAt: redemption.usedAt, usedAtPoint: 'Mbare Musika pickup' });
    expect((await listMyPasses(ctx, w.traders.tendai.id)).items[0]).toMatchObject({ status: 'used', usedAt: redemption.usedAt });
  });

  it('queues a pickup-collected message to the trader', async () => {
    await issue();
    const pass = await passOf(w.contributions.tendai.id);
    await redeemPass(ctx, w.staff, pass.id);
    const queued = await ctx.db.select().from(notifications).where(eq(notifications.template, 'pickup-collected'));
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      userId: w.traders.tendai.id,
      channel: 'sms',
      recipient: '+263772123456',
      status: 'queued',
      payload: { name: 'Tendai Moyo', product: 'Roller meal 20 kg', unit: 'bag', quantity: 5, point: 'Mbare Musika pickup' },
    });
  });

  it('refuses the wrong pickup point with a 409 naming the right one, and the pass stays usable', async () => {
    await issue();
    const pass = await passOf(w.contributions.tendai.id);
    const problem = await problemOf(redeemPass(ctx, w.staff, pass.id, w.points.glenView.id), 409);
    expect(problem.detail).toContain('This pass is for Mbare Musika pickup');
    expect(problem.detail).toContain('not Glen View pickup');
    expect(problem.extensions).toMatchObject({ pickupPoint: { id: w.points.mbare.id } });
    expect((await passOf(w.contributions.tendai.id)).status).toBe('active');
    expect(await stockAt(w.points.glenView.id)).toBe(4);
    await expect(redeemPass(ctx, w.staff, pass.id, w.points.mbare.id)).resolves.toMatchObject({ remainingStock: 3 });
  });

  it('refuses with a 409 when the pickup point holds too little stock, and nothing changes', async () => {
    await issue();
    await ctx.db
      .update(groupPickupPoints)
      .set({ stock: 4 })
      .where(and(eq(groupPickupPoints.groupId, w.group.id), eq(groupPickupPoints.pickupPointId, w.points.mbare.id)));
    const pass = await passOf(w.contributions.tendai.id);
    const problem = await problemOf(redeemPass(ctx, w.staff, pass.id), 409);
    expect(problem.detail).toContain('Only 4 bag');
    expect(problem.extensions).toMatchObject({ availableStock: 4, quantity: 5 });
    expect(await passOf(w.contributions.tendai.id)).toMatchObject({ status: 'active', usedAt: null, usedBy: null });
    expect(await stockAt(w.points.mbare.id)).toBe(4);
    expect(await ctx.db.select().from(notifications).where(eq(notifications.template, 'pickup-collected'))).toEqual([]);
  });

  it(`redeems exactly once when ten scanners race for one pass (${onPostgres() ? 'PostgreSQL' : 'PGlite'})`, async () => {
    await issue();
    const pass = await passOf(w.contributions.tendai.id);
    const fire = () => Promise.allSettled(Array.from({ length: 10 }, () => redeemPass(ctx, w.staff, pass.id, w.points.mbare.id)));
    let results: PromiseSettledResult<unknown>[];
    if (onPostgres()) {
      // Make the race as tight as it gets: hold the pass row while all ten reach it, then let go.
      let racing!: ReturnType<typeof fire>;
      await ctx.db.transaction(async (tx) => {
        await tx.select({ id: pickupPasses.id }).from(pickupPasses).where(eq(pickupPasses.id, pass.id)).for('update');
        racing = fire();
        expect(await waitersOnLocks(10)).toBe(10);
      });
      results = await racing;
    } else {
      // PGlite runs one transaction at a time; the calls still overlap as far as it allows.
      results = await fire();
    }
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(9);
    for (const r of lost) {
      expect(r.reason).toBeInstanceOf(HttpProblem);
      expect((r.reason as HttpProblem).status).toBe(409);
      expect((r.reason as HttpProblem).extensions).toMatchObject({ currentState: 'used' });
    }
    expect(await stockAt(w.points.mbare.id)).toBe(3);
    expect(await ctx.db.select().from(notifications).where(eq(notifications.template, 'pickup-collected'))).toHaveLength(1);
  });

  it('races between different passes at one point each take their own stock', async () => {
    await issue();
    const tendai = await passOf(w.contributions.tendai.id);
    const chipo = await passOf(w.contributions.chipo.id);
    const results = await Promise.all([redeemPass(ctx, w.staff, tendai.id), redeemPass(ctx, w.staff, chipo.id)]);
    expect(results.map((r) => r.quantity).sort()).toEqual([3, 5]);
    expect(await stockAt(w.points.mbare.id)).toBe(0);
  });

  it('refuses an expired pass with 410, by the clock and once the job has marked it', async () => {
    await issue();
    const pass = await passOf(w.contributions.tendai.id);
    const past = new Date(Date.now() - 60_000);
    await ctx.db.update(pickupPasses).set({ expiresAt: past }).where(eq(pickupPasses.id, pass.id));
    const byClock = await problemOf(redeemPass(ctx, w.staff, pass.id), 410);
    expect(byClock.detail).toBe(`This pass expired at ${past.toISOString()}`);

    // Its token now expires in the past too: the scan says so.
    const scanned = await problemOf(scanPass(ctx, w.staff, await tokenOf(w.traders.tendai.id)), 410);
    expect(scanned.extensions).toMatchObject({ currentState: 'expired' });

    expect(await expirePasses(ctx.db)).toBe(1);
    expect((await passOf(w.contributions.tendai.id)).status).toBe('expired');
    await problemOf(redeemPass(ctx, w.staff, pass.id), 410);
    expect(await stockAt(w.points.mbare.id)).toBe(8);
  });

  it('is 404 for an unknown pass', async () => {
    await problemOf(redeemPass(ctx, w.staff, '00000000-0000-4000-8000-000000000000'), 404);
  });
});

describe('reissuing', () => {
  it('revokes the old pass and issues a new one; the old token then scans as revoked', async () => {
    await issue();
    const old = await passOf(w.contributions.tendai.id);
    const oldToken = await tokenOf(w.traders.tendai.id);
    const fresh = await reissuePass(ctx, old.id);
    expect(fresh).toMatchObject({ contributionId: w.contributions.tendai.id, status: 'active', quantity: 5, usedAt: null });
    expect(fresh.id).not.toBe(old.id);
    expect(fresh.token).not.toBe(oldToken);

    const [revoked] = await ctx.db.select().from(pickupPasses).where(eq(pickupPasses.id, old.id));
    expect(revoked).toMatchObject({ status: 'revoked', replacedBy: fresh.id });
    expect(revoked!.revokedAt).toBeInstanceOf(Date);

    const scanned = await problemOf(scanPass(ctx, w.staff, oldToken), 410);
    expect(scanned.extensions).toMatchObject({ currentState: 'revoked' });
    await problemOf(redeemPass(ctx, w.staff, old.id), 410);
    await expect(scanPass(ctx, w.staff, fresh.token)).resolves.toMatchObject({ passId: fresh.id, redeemable: true });
    await problemOf(reissuePass(ctx, old.id), 409);
    await expect(redeemPass(ctx, w.staff, fresh.id)).resolves.toMatchObject({ remainingStock: 3 });
  });

  it('reissues an expired pass, but never a used one', async () => {
    await issue();
    const expired = await passOf(w.contributions.chipo.id);
    await ctx.db.update(pickupPasses).set({ status: 'expired', expiresAt: new Date(Date.now() - 1000) }).where(eq(pickupPasses.id, expired.id));
    const fresh = await reissuePass(ctx, expired.id);
    expect(new Date(fresh.expiresAt).getTime()).toBeGreaterThan(Date.now());

    const used = await passOf(w.contributions.tendai.id);
    await redeemPass(ctx, w.staff, used.id);
    const problem = await problemOf(reissuePass(ctx, used.id), 409);
    expect(problem.detail).toContain('a used pass cannot be reissued');
    expect(problem.extensions).toMatchObject({ currentState: 'used', allowedTransitions: [] });
    await problemOf(reissuePass(ctx, '00000000-0000-4000-8000-000000000000'), 404);
  });
});

describe('revoked without a replacement', () => {
  it('scans 410 without promising a new pass (as when the group is cancelled)', async () => {
    await issue();
    const pass = await passOf(w.contributions.tendai.id);
    const token = await tokenOf(w.traders.tendai.id);
    await ctx.db.update(pickupPasses).set({ status: 'revoked', revokedAt: new Date() }).where(eq(pickupPasses.id, pass.id));
    const problem = await problemOf(scanPass(ctx, w.staff, token), 410);
    expect(problem.detail).toContain('there is nothing to hand over with it');
    expect(problem.detail).not.toContain('replaced');
  });
});

describe('expirePasses', () => {
  it('marks only active passes past their expiry as expired', async () => {
    await issue();
    const [tendai, chipo, farai] = [
      await passOf(w.contributions.tendai.id),
      await passOf(w.contributions.chipo.id),
      await passOf(w.contributions.farai.id),
    ];
    await redeemPass(ctx, w.staff, chipo.id);
    const past = new Date(Date.now() - 1000);
    for (const id of [tendai.id, chipo.id]) await ctx.db.update(pickupPasses).set({ expiresAt: past }).where(eq(pickupPasses.id, id));
    expect(await expirePasses(ctx.db)).toBe(1);
    const statuses = Object.fromEntries(
      (await ctx.db.select().from(pickupPasses)).map((p) => [p.id, p.status]),
    );
    expect(statuses).toEqual({ [tendai.id]: 'expired', [chipo.id]: 'used', [farai.id]: 'active' });
    expect(await expirePasses(ctx.db)).toBe(0);
  });
});
