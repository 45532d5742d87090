// The fan-out baseline: a bare `ws` server in its own process, no database, auth or event feed.
// POST /fire broadcasts the request body to every connected socket; GET /health is for start-up.
import http from 'node:http';
import { WebSocketServer } from 'ws';

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') return void res.end('{"status":"ok"}');
  if (req.method === 'POST' && req.url === '/fire') {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      for (const ws of wss.clients) ws.send(body);
      res.statusCode = 204;
      res.end();
    });
    return;
  }
  res.statusCode = 404;
  res.end();
});
const wss = new WebSocketServer({ server });
server.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => process.exit(0));
});
