// A partner app on @connectsphere/sdk: signs a new trader up, saves their buying preferences,
// reads their profile back and prints a summary.
//
//   npm start                                  # the API, in another terminal
//   npx tsx examples/partner-app.ts            # CS_API_URL defaults to http://127.0.0.1:3000
import { randomUUID } from 'node:crypto';
import { ApiError, ConnectSphere, NetworkError, TimeoutError, type Preferences } from '@connectsphere/sdk';

const baseUrl = process.env.CS_API_URL ?? 'http://127.0.0.1:3000';
const cs = new ConnectSphere({ baseUrl, userAgent: 'partner-app-example/0.1.0' });

async function main(): Promise<void> {
  const health = await cs.system.health();
  console.log(`ConnectSphere ${health.version} at ${cs.baseUrl} is ${health.status}`);

  // A unique email per run, so the example can run again and again against one server.
  const email = `partner-example-${randomUUID().slice(0, 8)}@example.co.zw`;
  const session = await cs.auth.register({
    email,
    name: 'Chipo Mutasa',
    password: `budiriro-stall-${Date.now()}`,
    phone: '0772 345 678',
    location: { market: 'Budiriro', city: 'Harare' },
  });
  console.log(`Registered ${session.user.name} <${session.user.email}> as ${session.user.role} (id ${session.user.id})`);

  const preferences: Preferences = {
    categories: ['mealie-meal', 'cooking-oil', 'soap'],
    budget: { min: 2_000, max: 15_000, currency: 'USD' }, // minor units: $20.00 to $150.00
    preferredGroupSizes: ['small', 'medium'],
    purchaseFrequency: 'fortnightly',
  };
  const saved = await cs.users.updatePreferences(preferences);
  const profile = await cs.users.getProfile();
  const me = await cs.auth.me();

  const dollars = (cents: number) => (cents / 100).toFixed(2);
  console.log('');
  console.log('Trader summary');
  console.log(`  name        ${profile.name}`);
  console.log(`  phone       ${profile.phone}`);
  console.log(`  market      ${profile.location.market}, ${profile.location.city ?? 'Harare'}`);
  console.log(`  buys        ${saved.categories.join(', ')} (${saved.purchaseFrequency})`);
  console.log(`  budget      ${saved.budget.currency} ${dollars(saved.budget.min)} to ${dollars(saved.budget.max)}`);
  console.log(`  group sizes ${saved.preferredGroupSizes.join(', ')}`);
  console.log(`  segment     ${me.segment ?? '(none yet)'}`);

  await cs.auth.logout();
  console.log('');
  console.log('Signed out.');
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
