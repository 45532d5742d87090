// A trader's group-buy on @connectsphere/sdk: finds an open group, joins it, pays through the
// sandbox checkout, finalizes the payment and prints the QR pickup pass once the goods are ready.
//
//   npm start                                   # the API with demo data, sandbox payments
//   npx tsx examples/trader-journey.ts          # CS_API_URL defaults to http://127.0.0.1:3000
//
// Sign in as an existing trader with CS_EMAIL and CS_PASSWORD, or leave them out to register a new
// one. The sandbox checkout is an HTML page with Pay and Fail buttons; a real app opens
// `checkoutUrl` in the trader's browser. Here the script presses Pay itself, like a browser would.
//
// A pass is issued once an admin has moved the funded group to ready_for_pickup. To see that part
// too, give an admin's credentials (the demo data's admin@demo.connectsphere.co.zw /
// harare-demo-2026): the script then joins for exactly what the group still needs to be funded,
// and plays the admin (ordered, shipped, delivered, ready for pickup) after paying.
//
//   CS_ADMIN_EMAIL=admin@demo.connectsphere.co.zw CS_ADMIN_PASSWORD=harare-demo-2026 npx tsx examples/trader-journey.ts
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { ApiError, ConnectSphere, NetworkError, TimeoutError, type Group } from '@connectsphere/sdk';

const baseUrl = process.env.CS_API_URL ?? 'http://127.0.0.1:3000';
const cs = new ConnectSphere({ baseUrl, userAgent: 'trader-journey-example/0.1.0' });
const money = (minor: number, currency: string) => `${currency} ${(minor / 100).toFixed(2)}`;

async function signIn(): Promise<void> {
  if (process.env.CS_EMAIL && process.env.CS_PASSWORD) {
    const { user } = await cs.auth.login({ email: process.env.CS_EMAIL, password: process.env.CS_PASSWORD });
    console.log(`Signed in as ${user.name} <${user.email}>`);
    return;
  }
  const { user } = await cs.auth.register({
    email: `trader-example-${randomUUID().slice(0, 8)}@example.co.zw`,
    name: 'Farai Dube',
    password: `mbare-stall-${Date.now()}`,
    phone: '0773 456 789',
    location: { market: 'Mbare Musika' },
  });
  console.log(`Registered ${user.name} <${user.email}>`);
}

const fits = (group: Group, quantity: number) =>
  !group.myContribution &&
  quantity >= group.minPerTrader &&
  (group.maxPerTrader === null || quantity <= group.maxPerTrader) &&
  (group.remainingQuantity === null || quantity <= group.remainingQuantity);

/**
 * An open group and how many units to join it for, walking the groups closest to funded first:
 * `fund` asks for one this trader's share alone will fund (joining for what it still needs).
 */
async function pickGroup(fund: boolean, quantity: number): Promise<{ group: Group; quantity: number } | undefined> {
  for await (const group of cs.groups.iterate({ sort: 'progress', limit: 20 })) {
    const needed = group.moq - group.paidQuantity; // units still to be paid for the group to be funded
    if (fund && needed > 0 && fits(group, needed)) return { group, quantity: needed };
    if (!fund && fits(group, quantity)) return { group, quantity };
  }
  return undefined;
}

/** Plays the admin: moves a funded group along until the pickup passes are issued. */
async function advanceToPickup(groupId: string, email: string, password: string): Promise<void> {
  const admin = new ConnectSphere({ baseUrl, userAgent: 'trader-journey-example/0.1.0' });
  await admin.auth.login({ email, password });
  for (const to of ['ordered', 'shipped', 'delivered', 'ready_for_pickup'] as const) {
    const group = await admin.groups.transition(groupId, { to, reason: 'trader-journey example' });
    console.log(`Admin    moved the group to ${group.status.replace(/_/g, ' ')}`);
  }
  await admin.auth.logout();
}

/** What the trader's browser does on the sandbox checkout page: press Pay. Returns the URL it is sent back to. */
async function payInSandboxCheckout(checkoutUrl: string): Promise<URL> {
  const page = await request(checkoutUrl);
  const html = await page.body.text();
  if (page.statusCode !== 200 || !html.includes('value="pay"')) {
    throw new Error(`${checkoutUrl} is not a sandbox checkout page (HTTP ${page.statusCode}); is PAYMENT_PROVIDER=sandbox?`);
  }
  const submit = await request(checkoutUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'action=pay',
  });
  await submit.body.dump();
  if (submit.statusCode !== 303 || typeof submit.headers.location !== 'string') throw new Error(`The checkout answered HTTP ${submit.statusCode}`);
  return new URL(submit.headers.location, checkoutUrl);
}

async function main(): Promise<void> {
  const health = await cs.system.health();
  console.log(`ConnectSphere ${health.version} at ${cs.baseUrl} is ${health.status}`);
  await signIn();

  const adminEmail = process.env.CS_ADMIN_EMAIL;
  const adminPassword = process.env.CS_ADMIN_PASSWORD;
  const playAdmin = Boolean(adminEmail && adminPassword);
  const picked = await pickGroup(playAdmin, Number(process.env.CS_QUANTITY ?? 2));
  if (!picked) {
    console.log(`No open group fits right now. Start the API with demo data (npm start) or ask an admin to open one.`);
    return;
  }
  const { group, quantity } = picked;
  console.log('');
  console.log(`Group    ${group.title} (${group.product.name}, per ${group.product.unit})`);
  console.log(`Price    ${money(group.unitPrice, group.currency)} a unit, MOQ ${group.moq}, ${group.moqProgress}% paid, ${group.participantCount} traders`);
  console.log(`Pickup   ${group.pickupPoints.map((p) => `${p.name} (${p.market})`).join('; ')}`);

  // Joining reserves stock and paying moves money: the SDK sends an Idempotency-Key with both, so
  // a retry on a flaky connection never reserves or charges twice.
  const contribution = await cs.groups.join(group.id, { quantity });
  console.log(`Joined   ${contribution.quantity} x ${money(contribution.unitPrice, contribution.currency)}, reserved until ${contribution.reservedUntil}`);

  const payment = await cs.payments.initialize({ contributionId: contribution.id, currency: 'USD', paymentMethod: 'mobile_money' });
  for (const line of payment.lines) console.log(`         ${line.label.padEnd(14)} ${money(line.amount, payment.currency)}`);
  console.log(`Total    ${money(payment.totalAmount, payment.currency)}  checkout ${payment.checkoutUrl}`);
  if (!payment.checkoutUrl) throw new Error('The payment has no checkout URL');

  const back = await payInSandboxCheckout(payment.checkoutUrl);
  console.log(`Checkout returned status=${back.searchParams.get('status')} tx_ref=${back.searchParams.get('tx_ref')}`);

  // Back in the app: verify with what the return URL carries (the webhook may have done it already).
  const paid = await cs.payments.finalize({
    txRef: back.searchParams.get('tx_ref') ?? payment.txRef,
    ...(back.searchParams.get('transaction_id') ? { transactionId: back.searchParams.get('transaction_id')! } : {}),
  });
  console.log(`Payment  ${paid.status}`);
  if (paid.status !== 'successful') {
    process.exitCode = 1;
    return;
  }

  const now = await cs.groups.get(group.id);
  console.log(`Group    ${now.status}, ${now.moqProgress}% of the MOQ paid`);
  if (playAdmin && now.status === 'funded') await advanceToPickup(group.id, adminEmail!, adminPassword!);

  const pass = (await cs.qr.passes()).items.find((p) => p.contributionId === contribution.id && p.status === 'active');
  if (!pass) {
    console.log('');
    console.log('Your pickup pass arrives when the goods are ready for pickup; run `cs.qr.passes()` again then.');
    return;
  }
  const file = path.join(os.tmpdir(), `pickup-pass-${pass.id}.png`);
  await writeFile(file, await cs.qr.png(pass.id));
  console.log('');
  console.log('Pickup pass');
  console.log(`  ${pass.quantity} x ${pass.productName} (${pass.unit})`);
  console.log(`  at ${pass.pickupPoint.name}, ${pass.pickupPoint.address} (${pass.pickupPoint.openingHours})`);
  console.log(`  ${pass.status}, valid until ${pass.expiresAt}`);
  console.log(`  QR code saved to ${file}`);
}

main().catch((err: unknown) => {
  if (err instanceof ApiError) {
    console.error(`The API refused: ${err.message}`);
    for (const e of err.problem.errors ?? []) console.error(`  ${e.field}: ${e.message}`);
    if (err.requestId) console.error(`  request id: ${err.requestId}`);
  } else if (err instanceof NetworkError || err instanceof TimeoutError) {
    console.error(`Could not reach ConnectSphere at ${baseUrl}: ${err.message}. Is it running (npm start)?`);
  } else {
    console.error(err);
  }
  process.exitCode = 1;
});
