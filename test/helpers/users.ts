import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import { users } from '../../api/db/schema.ts';

let counter = 0;

export function traderInput(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    email: `trader${counter}-${process.pid}@example.co.zw`,
    name: 'Tendai Moyo',
    password: 'mbare-market-2026',
    phone: '0772123456',
    location: { market: 'Mbare Musika' },
    ...overrides,
  };
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string; role: string };
}

export async function registerUser(app: FastifyInstance, overrides: Record<string, unknown> = {}): Promise<Session & { password: string }> {
  const input = traderInput(overrides);
  const res = await app.inject({ method: 'POST', url: '/api/auth/register', payload: input });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return { ...(res.json() as Session), password: input.password };
}

/** Registers a user and gives them a role directly in the database (as an admin would). */
export async function userWithRole(app: FastifyInstance, role: 'trader' | 'supplier' | 'staff' | 'admin'): Promise<Session> {
  const session = await registerUser(app);
  await app.ctx.db.update(users).set({ role }).where(eq(users.id, session.user.id));
  return { ...session, user: { ...session.user, role } };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
