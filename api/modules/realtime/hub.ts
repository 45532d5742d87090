import { asc, eq, gt, max } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { Listening } from '../../db/client.ts';
import { domainEvents } from '../../db/schema.ts';
import { eventsChannel } from '../events/domain-events.ts';
import { channelsOf, type FeedEvent } from './channels.ts';

/** What the hub hands an event to: one WebSocket connection (connection.ts). */
export interface Subscriber {
  /** The id of the last event handed to it, so an event on two of its channels goes once. */
  lastDelivered: number;
  deliver(eventId: number, frame: Buffer): void;
}

type Row = typeof domainEvents.$inferSelect;

export function feedEvent(r: Row): FeedEvent {
  return { id: Number(r.id), type: r.type, supplierId: r.supplierId, groupId: r.groupId, userId: r.userId, data: r.data, createdAt: r.createdAt.toISOString() };
}

/** An event as a server message, serialised once for every subscriber that gets it. */
export function eventFrame(e: FeedEvent): Buffer {
  return Buffer.from(`{"type":"event","event":${JSON.stringify(e)}}`);
}

/**
 * This process's side of the real-time feed. Every API process LISTENs on the events channel
 * (domain-events.ts NOTIFYs each event in the transaction that records it), so an event recorded
 * by any process, the jobs runner included, reaches the sockets of every process: the processes
 * share nothing but PostgreSQL. Payloads too big for NOTIFY carry only the id and are read here.
 * Events are handed on in the order their notifications came (commit order), one at a time.
 */
export class RealtimeHub {
  private readonly channels = new Map<string, Set<Subscriber>>();
  private listening: Listening | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** The last event id seen (commit order): after the listener reconnects, what came since is read from the table. */
  private highest = 0;
  /** Ids handed on lately, so a catch-up after a reconnect does not repeat what did arrive. */
  private readonly recent = new Set<number>();
  private readonly log: FastifyBaseLogger | undefined;

  constructor(
    private readonly ctx: AppContext,
    log?: FastifyBaseLogger,
  ) {
    this.log = log?.child({ module: 'realtime' });
  }

  async start(): Promise<void> {
    const [last] = await this.ctx.db.select({ id: max(domainEvents.id) }).from(domainEvents);
    this.highest = Number(last?.id ?? 0);
    this.listening = await this.ctx.database.listen(
      eventsChannel,
      (payload) => this.enqueue(() => this.onPayload(payload)),
      () => this.enqueue(() => this.catchUp()),
    );
  }

  async stop(): Promise<void> {
    await this.listening?.close();
    this.listening = undefined;
    await this.chain;
  }

  subscribe(channel: string, s: Subscriber): void {
    let set = this.channels.get(channel);
    if (!set) this.channels.set(channel, (set = new Set()));
    set.add(s);
  }

  unsubscribe(channel: string, s: Subscriber): void {
    const set = this.channels.get(channel);
    if (!set) return;
    set.delete(s);
    if (set.size === 0) this.channels.delete(channel);
  }

  /** Subscribers of a channel on this process (metrics, tests). */
  subscribers(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  private enqueue(work: () => void | Promise<void>): void {
    this.chain = this.chain.then(work).catch((err: unknown) => this.log?.error({ err }, 'could not hand on an event'));
  }

  private async onPayload(payload: string): Promise<void> {
    const parsed = JSON.parse(payload) as Partial<FeedEvent> & { id: number };
    if (typeof parsed.type === 'string') {
      this.publish({
        id: Number(parsed.id),
        type: parsed.type,
        supplierId: parsed.supplierId ?? null,
        groupId: parsed.groupId ?? null,
        userId: parsed.userId ?? null,
        data: parsed.data ?? {},
        createdAt: new Date(parsed.createdAt!).toISOString(),
      });
      return;
    }
    // Too big for NOTIFY: read it.
    const [row] = await this.ctx.db.select().from(domainEvents).where(eq(domainEvents.id, Number(parsed.id)));
    if (row) this.publish(feedEvent(row));
  }

  private async catchUp(): Promise<void> {
    const rows = await this.ctx.db.select().from(domainEvents).where(gt(domainEvents.id, this.highest)).orderBy(asc(domainEvents.id)).limit(10_000);
    this.log?.info({ after: this.highest, events: rows.length }, 'event listener reconnected; handing on what came meanwhile');
    for (const r of rows) if (!this.recent.has(Number(r.id))) this.publish(feedEvent(r));
  }

  /**
   * Hands an event to every local subscriber of its channels, once each. NOTIFY delivers each event
   * once, so live ones are never skipped (ids can start again after a restore or, in tests, a
   * truncate); `recent` only keeps a catch-up from repeating them.
   */
  publish(e: FeedEvent): void {
    this.recent.add(e.id);
    if (this.recent.size > 4096) for (const id of this.recent) if (this.recent.delete(id) && this.recent.size <= 2048) break;
    this.highest = e.id;
    let frame: Buffer | undefined;
    for (const name of channelsOf(e)) {
      const set = this.channels.get(name);
      if (!set) continue;
      frame ??= eventFrame(e);
      for (const s of set) {
        if (s.lastDelivered === e.id) continue;
        s.lastDelivered = e.id;
        s.deliver(e.id, frame);
      }
    }
  }
}
