import WebSocket from 'ws';

export type Message = Record<string, unknown> & { type: string };

/** A real WebSocket client on /api/ws that keeps what it received, for a test to wait on. */
export interface TestSocket {
  ws: WebSocket;
  received: Message[];
  /** The first message not yet taken that matches `match` (taking it), or a timeout error. */
  next(match?: (m: Message) => boolean, timeoutMs?: number): Promise<Message>;
  send(m: Record<string, unknown>): void;
  /** Subscribes and waits for the answer (subscribed or error). */
  subscribe(channel: string, lastEventId?: number): Promise<Message>;
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export async function openSocket(baseUrl: string, token?: string): Promise<TestSocket> {
  const url = `${baseUrl.replace(/^http/, 'ws')}/api/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`;
  const ws = new WebSocket(url);
  const received: Message[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    received.push(JSON.parse(data.toString()) as Message);
    for (const w of [...waiters]) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  // Messages a test has not taken yet; next() takes the first that matches, wherever it is.
  const next = (match: (m: Message) => boolean = () => true, timeoutMs = 5000) =>
    new Promise<Message>((resolve, reject) => {
      const look = () => {
        const i = received.findIndex(match);
        if (i < 0) return;
        const [m] = received.splice(i, 1);
        waiters.delete(look);
        clearTimeout(timer);
        resolve(m!);
      };
      const timer = setTimeout(() => {
        waiters.delete(look);
        reject(new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(received)}`));
      }, timeoutMs);
      waiters.add(look);
      look();
    });
  const send = (m: Record<string, unknown>) => ws.send(JSON.stringify(m));
  return {
    ws,
    received,
    next,
    send,
    closed,
    async subscribe(channel, lastEventId) {
      send({ type: 'subscribe', channel, ...(lastEventId === undefined ? {} : { lastEventId }) });
      return next((m) => (m.type === 'subscribed' || m.type === 'error') && m.channel === channel);
    },
    async close() {
      if (ws.readyState === WebSocket.CLOSED) return;
      ws.close();
      await closed;
    },
  };
}
