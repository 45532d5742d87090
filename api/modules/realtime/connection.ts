import { and, asc, gt, min } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { WebSocket } from 'ws';
import type { AppContext } from '../../context.ts';
import { domainEvents } from '../../db/schema.ts';
import type { AuthUser } from '../../plugins/auth.ts';
import { readUser } from '../../plugins/user-reads.ts';
import { verifyAccessToken } from '../auth/tokens.ts';
import { channelCondition, parseChannel, refusal } from './channels.ts';
import { eventFrame, feedEvent, type RealtimeHub, type Subscriber } from './hub.ts';

/** Close codes of the protocol (README "Real time", openapi.yaml RealtimeClose). */
export const closeCodes = {
  /** Unauthenticated: no token in time, an invalid one, or it expired without a new one. */
  unauthenticated: 4001,
  /** The account was deactivated, or a new token is another user's. */
  forbidden: 4003,
  /** Too much left unread (bufferedAmount over REALTIME_MAX_BUFFERED_BYTES): reconnect and resume. */
  slowConsumer: 1013,
  goingAway: 1001,
} as const;

/** At most this many events are replayed per subscription; past it the client is told to resync. */
export const replayLimit = 1000;
/** A socket that has not authenticated by then is closed. */
const authTimeoutMs = 10_000;
/** Subscriptions one socket may hold. */
const maxChannels = 100;

type ClientMessage =
  | { type: 'auth'; token: string }
  | { type: 'subscribe'; channel: string; lastEventId?: number }
  | { type: 'unsubscribe'; channel: string }
  | { type: 'ping' };

function parseMessage(raw: string): ClientMessage | string {
  let m: unknown;
  try {
    m = JSON.parse(raw);
  } catch {
    return 'not JSON';
  }
  if (typeof m !== 'object' || m === null) return 'not a JSON object';
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'auth':
      return typeof o.token === 'string' && o.token.length <= 4096 ? { type: 'auth', token: o.token } : 'auth needs token (a string)';
    case 'subscribe':
      if (typeof o.channel !== 'string') return 'subscribe needs channel (a string)';
      if (o.lastEventId !== undefined && !(Number.isSafeInteger(o.lastEventId) && (o.lastEventId as number) >= 0)) return 'lastEventId must be a non-negative integer';
      return { type: 'subscribe', channel: o.channel, lastEventId: o.lastEventId as number | undefined };
    case 'unsubscribe':
      return typeof o.channel === 'string' ? { type: 'unsubscribe', channel: o.channel } : 'unsubscribe needs channel (a string)';
    case 'ping':
      return { type: 'ping' };
    default:
      return 'type must be auth, subscribe, unsubscribe or ping';
  }
}

/** A token's expiry (seconds), read after verifyAccessToken has checked it. */
function expiryOf(token: string): number {
  const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp: number };
  return payload.exp;
}

/**
 * One WebSocket on /api/ws: authentication (and re-authentication before the token expires),
 * subscriptions authorised one by one, replays for resume, protocol heartbeats and the slow-consumer
 * cut-off. Client messages are handled one at a time, in order (a subscribe sent right after the
 * first auth waits for it).
 */
export class Connection implements Subscriber {
  lastDelivered = 0;
  user: AuthUser | null = null;
  readonly channels = new Set<string>();
  private expiresAt = 0;
  private timers: { auth?: NodeJS.Timeout; expiry?: NodeJS.Timeout; warning?: NodeJS.Timeout; heartbeat?: NodeJS.Timeout; kill?: NodeJS.Timeout } = {};
  private alive = true;
  private closed = false;
  private inbox: Promise<void> = Promise.resolve();
  /** While > 0 a replay is being sent: live events wait behind it, in order. */
  private replaying = 0;
  private held: { id: number; frame: Buffer }[] = [];
  private replayed = new Set<number>();

  constructor(
    private readonly ctx: AppContext,
    private readonly hub: RealtimeHub,
    private readonly socket: WebSocket,
    private readonly log: FastifyBaseLogger,
    token: string | undefined,
  ) {
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      this.inbox = this.inbox.then(() => this.onMessage(text)).catch((err: unknown) => {
        this.log.error({ err }, 'realtime message failed');
        this.send({ type: 'error', code: 'internal', message: 'the message could not be handled' });
      });
    });
    socket.on('pong', () => (this.alive = true));
    socket.on('close', () => this.dispose());
    const heartbeatMs = ctx.config.realtime.heartbeatSeconds * 1000;
    // A peer that has not answered the previous ping by the next one is gone (half-open TCP).
    this.timers.heartbeat = setInterval(() => {
      if (!this.alive) return void this.socket.terminate();
      this.alive = false;
      this.socket.ping();
    }, heartbeatMs);
    if (token) this.inbox = this.inbox.then(() => this.authenticate(token));
    else this.timers.auth = setTimeout(() => this.close(closeCodes.unauthenticated, 'authentication required: send {"type":"auth","token":...}'), authTimeoutMs);
  }

  deliver(id: number, frame: Buffer): void {
    if (this.replaying > 0) this.held.push({ id, frame });
    else this.sendFrame(frame);
  }

  /** Closes the socket (the server is stopping, or a rule of the protocol says so). */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
    // A peer that does not read its close frame (a slow consumer) is dropped.
    this.timers.kill = setTimeout(() => this.socket.terminate(), 2_000);
    this.timers.kill.unref();
    this.unsubscribeAll();
  }

  private dispose(): void {
    this.closed = true;
    for (const t of Object.values(this.timers)) if (t) clearTimeout(t);
    clearInterval(this.timers.heartbeat);
    this.unsubscribeAll();
  }

  private unsubscribeAll(): void {
    for (const c of this.channels) this.hub.unsubscribe(c, this);
    this.channels.clear();
  }

  private sendFrame(frame: Buffer): void {
    if (this.closed) return;
    if (this.socket.bufferedAmount + frame.length > this.ctx.config.realtime.maxBufferedBytes) {
      this.log.warn({ userId: this.user?.id, buffered: this.socket.bufferedAmount }, 'realtime subscriber cut off: too much unread');
      return this.close(closeCodes.slowConsumer, 'slow consumer: too much unread; reconnect and resume with lastEventId');
    }
    this.socket.send(frame, { binary: false });
  }

  private send(message: Record<string, unknown>): void {
    this.sendFrame(Buffer.from(JSON.stringify(message)));
  }

  private async onMessage(raw: string): Promise<void> {
    if (this.closed) return;
    const m = parseMessage(raw);
    if (typeof m === 'string') return this.send({ type: 'error', code: 'bad-message', message: m });
    if (m.type === 'auth') return this.authenticate(m.token);
    if (m.type === 'ping') return this.send({ type: 'pong' });
    if (!this.user) return this.send({ type: 'error', code: 'unauthenticated', message: 'authenticate first: {"type":"auth","token":...}' });
    if (m.type === 'subscribe') return this.subscribe(m.channel, m.lastEventId);
    return this.unsubscribe(m.channel);
  }

  private async authenticate(token: string): Promise<void> {
    let sub: string;
    try {
      sub = (await verifyAccessToken(this.ctx.keys, this.ctx.config, token)).sub;
    } catch {
      // A bad new token leaves a still-valid session alone; without one the socket has nothing.
      if (this.user) return this.send({ type: 'error', code: 'unauthenticated', message: 'the access token is invalid or expired; the previous one still holds' });
      return this.close(closeCodes.unauthenticated, 'the access token is invalid or expired');
    }
    if (this.user && this.user.id !== sub) return this.close(closeCodes.forbidden, 'a new token must be for the same user');
    const row = await readUser(this.ctx, sub);
    if (!row || !row.active) return this.close(closeCodes.forbidden, 'the account is deactivated');
    const again = this.user !== null;
    this.user = { id: row.id, email: row.email, name: row.name, role: row.role };
    if (this.timers.auth) clearTimeout(this.timers.auth);
    this.armExpiry(expiryOf(token));
    // A role may have changed since: what is no longer allowed is dropped.
    if (again) {
      for (const name of [...this.channels]) {
        const why = await refusal(this.ctx.db, this.user, parseChannel(name)!);
        if (why) {
          this.channels.delete(name);
          this.hub.unsubscribe(name, this);
          this.send({ type: 'unsubscribed', channel: name, reason: why });
        }
      }
    }
    this.send({ type: 'authenticated', userId: row.id, role: row.role, expiresAt: new Date(this.expiresAt * 1000).toISOString() });
  }

  /** At expiry without a newer token: 4001. A little before, the client is reminded to send one. */
  private armExpiry(exp: number): void {
    this.expiresAt = exp;
    if (this.timers.expiry) clearTimeout(this.timers.expiry);
    if (this.timers.warning) clearTimeout(this.timers.warning);
    const left = exp * 1000 - Date.now();
    this.timers.expiry = setTimeout(() => this.close(closeCodes.unauthenticated, 'the access token expired; reconnect with a fresh one'), Math.max(0, left));
    const lead = Math.min(60_000, left / 4);
    this.timers.warning = setTimeout(() => this.send({ type: 'token-expiring', expiresAt: new Date(exp * 1000).toISOString() }), Math.max(0, left - lead));
  }

  private async subscribe(name: string, lastEventId: number | undefined): Promise<void> {
    const channel = parseChannel(name);
    if (!channel) return this.send({ type: 'error', code: 'bad-channel', channel: name, message: 'channel must be group:{id}, user:{id}, supplier:{id}, pickup-point:{id} or admin' });
    const why = await refusal(this.ctx.db, this.user!, channel);
    if (why) return this.send({ type: 'error', code: 'forbidden', channel: channel.name, message: why });
    if (!this.channels.has(channel.name) && this.channels.size >= maxChannels) {
      return this.send({ type: 'error', code: 'too-many-channels', channel: channel.name, message: `at most ${maxChannels} channels per connection` });
    }
    if (this.closed) return;
    // Subscribed first, so nothing committed during the replay's read is missed: it waits behind it.
    this.replaying += lastEventId === undefined ? 0 : 1;
    this.channels.add(channel.name);
    this.hub.subscribe(channel.name, this);
    this.send({ type: 'subscribed', channel: channel.name });
    if (lastEventId === undefined) return;
    try {
      await this.replay(channel, lastEventId);
    } finally {
      this.replaying -= 1;
      if (this.replaying === 0) this.release();
    }
  }

  private async replay(channel: NonNullable<ReturnType<typeof parseChannel>>, lastEventId: number): Promise<void> {
    const [oldest] = await this.ctx.db.select({ id: min(domainEvents.id) }).from(domainEvents);
    const first = oldest?.id === null || oldest?.id === undefined ? null : Number(oldest.id);
    // Events after lastEventId may have been pruned (older than EVENTS_RETENTION_HOURS).
    if (lastEventId > 0 && (first === null || first > lastEventId + 1)) {
      return this.send({ type: 'resync', channel: channel.name, reason: 'retention', message: 'events after lastEventId are no longer kept; reload the state, then carry on live' });
    }
    const rows = await this.ctx.db
      .select()
      .from(domainEvents)
      .where(and(gt(domainEvents.id, lastEventId), channelCondition(channel)))
      .orderBy(asc(domainEvents.id))
      .limit(replayLimit + 1);
    if (rows.length > replayLimit) {
      return this.send({ type: 'resync', channel: channel.name, reason: 'too-many', message: `more than ${replayLimit} events since lastEventId; reload the state, then carry on live` });
    }
    for (const r of rows) {
      const id = Number(r.id);
      if (this.replayed.has(id)) continue;
      this.replayed.add(id);
      this.lastDelivered = Math.max(this.lastDelivered, id);
      this.sendFrame(eventFrame(feedEvent(r)));
    }
    this.send({ type: 'replayed', channel: channel.name, count: rows.length });
  }

  /** Live events that waited behind replays, less those the replays already sent. */
  private release(): void {
    const held = this.held;
    this.held = [];
    for (const { id, frame } of held) if (!this.replayed.has(id)) this.sendFrame(frame);
    this.replayed = new Set();
  }

  private unsubscribe(name: string): void {
    const channel = parseChannel(name);
    if (!channel) return this.send({ type: 'error', code: 'bad-channel', channel: name, message: 'not a channel' });
    this.channels.delete(channel.name);
    this.hub.unsubscribe(channel.name, this);
    this.send({ type: 'unsubscribed', channel: channel.name });
  }
}
