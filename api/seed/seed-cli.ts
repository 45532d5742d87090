// `npm run seed`: load the Harare demo data into the configured database (idempotent).
import { loadConfig } from '../config.ts';
import { createContext } from '../runtime.ts';
import { seedDemoData } from './demo.ts';

const ctx = await createContext(loadConfig());
const summary = await seedDemoData(ctx.db);
console.log(`demo data loaded into ${ctx.database.kind} (${ctx.database.location}):`, summary);
await ctx.database.close();
