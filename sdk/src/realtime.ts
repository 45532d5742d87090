// The real-time client: one WebSocket to /api/ws that authenticates with the client's access token,
// sends a fresh one when the server says it is about to expire, reconnects with backoff and
// resumes every subscription from the last event id it received. The protocol is the spec's
// openRealtime (README "Real time"); the message types are generated from it.
import type { Transport } from './client.ts';
import { ConnectSphereError } from './errors.ts';
import { defaultWebSocket } from './platform/node.ts';
import type { WebSocketLike } from './platform/websocket.ts';
import type { components } from './schema.d.ts';

export type RealtimeEvent = components['schemas']['RealtimeEvent'];
export type RealtimeServerMessage = components['schemas']['RealtimeServerMessage'];
export type RealtimeClientMessage = components['schemas']['RealtimeClientMessage'];
/** `group:{id}`, `user:{id}`, `supplier:{id}`, `pickup-point:{id}` or `admin`. */
export type RealtimeChannel = components['schemas']['RealtimeChannel'];

/** A group's counters as group.progress and group.status carry them. */
export interface GroupProgressData {
  groupId: string;
  status: components['schemas']['GroupStatus'];
  moq: number;
  maxQuantity: number | null;
  reservedQuantity: number;
  paidQuantity: number;
}

/** The data of the event types the API records today; others arrive as `Record<string, unknown>`. */
export interface RealtimeEventData {
  'group.progress': GroupProgressData;
  'group.status': GroupProgressData & { from: string; to: string; reason: string | null };
  'payment.confirmed': { paymentId: string; txRef: string; contributionId: string; amount: number; currency: string; quantity: number };
  'payment.failed': { paymentId: string; txRef: string; contributionId: string; amount: number; currency: string; outcome: 'failed' | 'mismatch' };
  'refund.issued': { refundId: string; paymentId: string; amount: number; currency: string; reason: string };
  'pass.issued': { passId: string; pickupPointId: string; quantity: number; expiresAt: string };
  'pass.redeemed': { passId: string; pickupPointId: string; quantity: number; usedBy: string; remainingStock: number };
  /** A new message in the user's in-app inbox (user:{id}), as GET /api/notifications shows it. */
  'notification.created': components['schemas']['InboxMessage'];
  'alert.opened': components['schemas']['Alert'];
  'alert.repeated': components['schemas']['Alert'];
  'alert.acknowledged': components['schemas']['Alert'];
  'alert.resolved': components['schemas']['Alert'];
  'ml.training': { runId: string; status: string; stage: string | null; progress: number; modelVersion?: string | null; error?: string | null };
}
export type RealtimeEventType = keyof RealtimeEventData;
/** An event whose `data` is typed by its `type`. */
export type TypedRealtimeEvent<T extends RealtimeEventType> = Omit<RealtimeEvent, 'type' | 'data'> & { type: T; data: RealtimeEventData[T] };

export type RealtimeState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface RealtimeOptions {
  /** Channels to subscribe to once connected (more with subscribe()). */
  channels?: RealtimeChannel[];
  /** Resume from here on the first connection too (an id saved from an earlier run). */
  lastEventId?: number;
  /** Reconnect after an unexpected close (default true), waiting minDelayMs doubling up to maxDelayMs, with jitter. */
  reconnect?: boolean;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** A WebSocket constructor: the browser's, or `ws` on Node (the defaults). */
  WebSocket?: new (url: string) => WebSocketLike;
}

type Listener = (value: never) => void;

/** Why the socket closed, when the client will not reconnect by itself. */
export class RealtimeClosedError extends ConnectSphereError {
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(`The real-time connection closed (${code}${reason ? `: ${reason}` : ''})`);
  }
}

export class RealtimeClient {
  readonly #t: Transport;
  readonly #options: Required<Pick<RealtimeOptions, 'reconnect' | 'minDelayMs' | 'maxDelayMs'>> & RealtimeOptions;
  readonly #channels = new Set<string>();
  readonly #listeners = new Map<string, Set<Listener>>();
  /** Ids received lately: a replay may repeat an event that also came live. */
  readonly #seen = new Set<number>();
  #socket: WebSocketLike | undefined;
  #state: RealtimeState = 'closed';
  #lastEventId: number | undefined;
  #attempt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #opened: { resolve: () => void; reject: (err: Error) => void } | undefined;

  constructor(transport: Transport, options: RealtimeOptions = {}) {
    this.#t = transport;
    this.#options = { reconnect: true, minDelayMs: 250, maxDelayMs: 15_000, ...options };
    for (const c of options.channels ?? []) this.#channels.add(c);
    this.#lastEventId = options.lastEventId;
  }

  get state(): RealtimeState {
    return this.#state;
  }

  /** The highest event id received: save it to resume a later run (`lastEventId`). */
  get lastEventId(): number | undefined {
    return this.#lastEventId;
  }

  /** Opens the socket; resolves once authenticated (and the initial channels asked for). */
  connect(): Promise<void> {
    this.#stopped = false;
    return new Promise<void>((resolve, reject) => {
      this.#opened = { resolve, reject };
      void this.#open();
    });
  }

  /** Subscribes now if connected, and again after every reconnect. */
  subscribe(channel: RealtimeChannel): void {
    this.#channels.add(channel);
    if (this.#state === 'open') this.#send({ type: 'subscribe', channel, ...(this.#lastEventId === undefined ? {} : { lastEventId: this.#lastEventId }) });
  }

  unsubscribe(channel: RealtimeChannel): void {
    this.#channels.delete(channel);
    if (this.#state === 'open') this.#send({ type: 'unsubscribe', channel });
  }

  /** Every event, or only those of one type (typed by it). Returns a function that removes the handler. */
  on<T extends RealtimeEventType>(type: T, handler: (event: TypedRealtimeEvent<T>) => void): () => void;
  on(type: 'event', handler: (event: RealtimeEvent) => void): () => void;
  /** Every server message (subscribed, replayed, resync, error…), events included. */
  on(type: 'message', handler: (message: RealtimeServerMessage) => void): () => void;
  /** A channel could not be resumed (retention or too many missed): reload its state over HTTP. */
  on(type: 'resync', handler: (message: { channel: string; reason: string }) => void): () => void;
  on(type: 'state', handler: (state: RealtimeState) => void): () => void;
  /** A subscription refused, or the connection closed for good (RealtimeClosedError). */
  on(type: 'error', handler: (error: Error) => void): () => void;
  on(type: string, handler: (value: never) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Closes the socket and stops reconnecting. */
  close(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#socket?.close(1000, 'client closed');
    this.#setState('closed');
  }

  #emit(type: string, value: unknown): void {
    for (const h of this.#listeners.get(type) ?? []) (h as (v: unknown) => void)(value);
  }

  #setState(state: RealtimeState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#emit('state', state);
  }

  #send(message: RealtimeClientMessage): void {
    this.#socket?.send(JSON.stringify(message));
  }

  async #token(): Promise<string> {
    const tokens = await this.#t.getTokens();
    if (!tokens) throw new ConnectSphereError('Not signed in: the real-time connection needs an access token');
    return tokens.accessToken;
  }

  async #open(): Promise<void> {
    if (this.#stopped) return;
    this.#setState(this.#attempt === 0 ? 'connecting' : 'reconnecting');
    let token: string;
    try {
      token = await this.#token();
    } catch (err) {
      this.#fail(err as Error);
      return;
    }
    const Ctor = this.#options.WebSocket ?? defaultWebSocket();
    const ws = new Ctor(`${this.#t.baseUrl.replace(/^http/, 'ws')}/api/ws`);
    this.#socket = ws;
    // The token goes in the first message, not the URL: URLs end up in logs.
    ws.onopen = () => this.#send({ type: 'auth', token });
    ws.onmessage = (ev) => this.#onMessage(JSON.parse(String(ev.data)) as RealtimeServerMessage);
    ws.onclose = (ev) => void this.#onClose(ws, ev.code, ev.reason);
    ws.onerror = () => undefined; // a close follows
  }

  #onMessage(m: RealtimeServerMessage): void {
    this.#emit('message', m);
    switch (m.type) {
      case 'authenticated':
        if (this.#state !== 'open') {
          this.#attempt = 0;
          this.#setState('open');
          for (const channel of this.#channels) this.#send({ type: 'subscribe', channel, ...(this.#lastEventId === undefined ? {} : { lastEventId: this.#lastEventId }) });
          this.#opened?.resolve();
          this.#opened = undefined;
        }
        return;
      case 'token-expiring':
        void this.#reauthenticate();
        return;
      case 'event': {
        const e = m.event;
        if (this.#seen.has(e.id)) return;
        this.#seen.add(e.id);
        if (this.#seen.size > 2000) for (const id of this.#seen) if (this.#seen.delete(id) && this.#seen.size <= 1000) break;
        if (this.#lastEventId === undefined || e.id > this.#lastEventId) this.#lastEventId = e.id;
        this.#emit('event', e);
        this.#emit(e.type, e);
        return;
      }
      case 'resync':
        this.#emit('resync', { channel: m.channel, reason: m.reason });
        return;
      case 'error':
        if (m.code === 'forbidden' && m.channel) this.#channels.delete(m.channel);
        this.#emit('error', new ConnectSphereError(`${m.code}${m.channel ? ` (${m.channel})` : ''}: ${m.message}`));
        return;
      default:
        return;
    }
  }

  /** The server warned that the token expires soon: refresh it (the SDK's refresh) and send it. */
  async #reauthenticate(): Promise<void> {
    try {
      const session = await this.#t.refreshSession();
      this.#send({ type: 'auth', token: session.accessToken });
    } catch (err) {
      this.#emit('error', err as Error);
    }
  }

  async #onClose(ws: WebSocketLike, code: number, reason: string): Promise<void> {
    if (this.#socket !== ws) return;
    this.#socket = undefined;
    if (this.#stopped) return this.#setState('closed');
    // 4003: another user's token or a deactivated account; reconnecting would not help.
    if (code === 4003 || !this.#options.reconnect) return this.#fail(new RealtimeClosedError(code, reason));
    // 4001: the token expired (or was refused): refresh once before trying again.
    if (code === 4001) {
      try {
        await this.#t.refreshSession();
      } catch (err) {
        return this.#fail(err as Error);
      }
    }
    this.#setState('reconnecting');
    const delay = Math.min(this.#options.maxDelayMs, this.#options.minDelayMs * 2 ** this.#attempt);
    this.#attempt += 1;
    this.#timer = setTimeout(() => void this.#open(), delay / 2 + Math.random() * (delay / 2));
  }

  #fail(err: Error): void {
    this.#stopped = true;
    this.#setState('closed');
    if (this.#opened) {
      this.#opened.reject(err);
      this.#opened = undefined;
    }
    this.#emit('error', err);
  }
}
