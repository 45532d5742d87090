// A supplier's scheduled script on @connectsphere/sdk: finds the organisation's newly accepted
// orders and marks them shipped from a CSV of tracking numbers.
//
//   CS_API_KEY=csk_... npx tsx examples/supplier-order-updates.ts shipments.csv
//   CS_EMAIL=supplier1@demo.connectsphere.co.zw CS_PASSWORD=harare-demo-2026 npx tsx examples/supplier-order-updates.ts shipments.csv
//
// CS_API_URL defaults to http://127.0.0.1:3000. An API key (scope orders:write) is sent as the
// bearer credential; without one the script signs in as a member with CS_EMAIL and CS_PASSWORD.
// The CSV has a header row: order,carrier,trackingNumber,eta — `order` is the order number
// (PO-1001) or id, `eta` a date (2026-12-05 or 2026-12-05T10:00:00Z). Orders that are accepted
// (or preparing) and in the file are shipped; the rest are listed as waiting. Each ship is sent
// with an Idempotency-Key, so running the script again after a failure ships nothing twice.
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { ApiError, ConnectSphere, MemoryTokenStore, NetworkError, type SupplierOrder } from '@connectsphere/sdk';

interface Shipment {
  order: string;
  carrier: string;
  trackingNumber: string;
  eta: string;
}

const baseUrl = process.env.CS_API_URL ?? 'http://127.0.0.1:3000';
const file = process.argv[2];
if (!file) {
  console.error('usage: supplier-order-updates.ts <shipments.csv>');
  process.exit(2);
}

const cs = new ConnectSphere({
  baseUrl,
  userAgent: 'supplier-order-updates/0.1.0',
  ...(process.env.CS_API_KEY ? { tokens: new MemoryTokenStore({ accessToken: process.env.CS_API_KEY, refreshToken: '' }) } : {}),
});

async function main() {
  if (!process.env.CS_API_KEY) {
    if (!process.env.CS_EMAIL || !process.env.CS_PASSWORD) throw new Error('set CS_API_KEY, or CS_EMAIL and CS_PASSWORD');
    await cs.auth.login({ email: process.env.CS_EMAIL, password: process.env.CS_PASSWORD });
  }
  const rows = parse(await readFile(file!, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Shipment[];
  const byOrder = new Map(rows.map((r) => [r.order.toUpperCase(), r]));

  const ready: SupplierOrder[] = [];
  for (const status of ['accepted', 'preparing'] as const) {
    for await (const order of cs.supplier.orders.iterate({ status, limit: 100 })) ready.push(order);
  }
  console.log(`${ready.length} order(s) accepted and not yet shipped`);
  let shipped = 0;
  for (const order of ready) {
    const row = byOrder.get(order.number) ?? byOrder.get(order.id.toUpperCase());
    if (!row) {
      console.log(`  ${order.number}  waiting: no tracking number in ${file}`);
      continue;
    }
    const eta = new Date(row.eta);
    if (Number.isNaN(eta.getTime())) {
      console.log(`  ${order.number}  skipped: eta "${row.eta}" is not a date`);
      continue;
    }
    // One key per order and tracking number: a rerun after a crash gets the first answer back.
    const done = await cs.supplier.orders.ship(
      order.id,
      { carrier: row.carrier, trackingNumber: row.trackingNumber, eta: eta.toISOString() },
      { idempotencyKey: `ship-${order.id}-${row.trackingNumber}` },
    );
    shipped += 1;
    console.log(`  ${done.number}  shipped with ${done.carrier}, tracking ${done.trackingNumber}, ETA ${done.eta?.slice(0, 10)}`);
  }
  console.log(`Shipped ${shipped} order(s).`);
}

main().catch((err: unknown) => {
  if (err instanceof NetworkError) console.error(`Could not reach ConnectSphere at ${baseUrl}: ${err.message}`);
  else if (err instanceof ApiError) console.error(`ConnectSphere refused: ${err.status} ${err.message}`);
  else console.error((err as Error).message);
  process.exit(1);
});
