import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Forwarded {
  method: string;
  url: string;
  idempotencyKey: string | undefined;
  requestId: string | undefined;
  status: number;
  dropped: boolean;
}

/**
 * A proxy in front of `upstream` that forwards every request, and for those `drop` picks, lets the
 * server finish the request and then cuts the connection instead of answering: the response is
 * lost on the way back, as on a flaky mobile network. The client cannot tell whether the server
 * acted, which is exactly what an Idempotency-Key is for.
 */
export async function lossyProxy(upstream: string, drop: (req: { method: string; url: string }, n: number) => boolean) {
  const log: Forwarded[] = [];
  const target = new URL(upstream);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = log.length;
      const entry: Forwarded = {
        method: req.method ?? '',
        url: req.url ?? '',
        idempotencyKey: req.headers['idempotency-key'] as string | undefined,
        requestId: req.headers['x-request-id'] as string | undefined,
        status: 0,
        dropped: drop({ method: req.method ?? '', url: req.url ?? '' }, n),
      };
      log.push(entry);
      const forward = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (up) => {
          const body: Buffer[] = [];
          up.on('data', (c: Buffer) => body.push(c));
          up.on('end', () => {
            entry.status = up.statusCode ?? 0;
            if (entry.dropped) {
              res.socket?.destroy();
              return;
            }
            res.writeHead(up.statusCode ?? 502, up.headers).end(Buffer.concat(body));
          });
        },
      );
      forward.on('error', () => res.socket?.destroy());
      forward.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
