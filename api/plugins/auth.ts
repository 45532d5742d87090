import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { users } from '../db/schema.ts';
import { forbidden, unauthorized } from '../errors.ts';
import { authenticateKey, holdsScope, isApiKey, type ApiKeyPrincipal } from '../modules/api-keys/keys.ts';
import { verifyAccessToken } from '../modules/auth/tokens.ts';
import { readUser } from './user-reads.ts';

export type Role = (typeof users.role.enumValues)[number];

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    user?: AuthUser;
    /** The signed-in user's whole row, read once by the auth hook (GET /api/auth/me returns it). */
    account?: typeof users.$inferSelect;
    /** The API key a script called with (then there is no user); organisationOf acts for its organisation. */
    apiKey?: ApiKeyPrincipal;
  }
}

/** The signed-in user of a secured route (the auth hook guarantees one). */
export function currentUser(request: FastifyRequest): AuthUser {
  if (!request.user) throw unauthorized();
  return request.user;
}

/**
 * Who is calling, for what is kept per caller (Idempotency-Keys): the signed-in user, or the API
 * key a script called with. Both ids are random UUIDs, so they never collide.
 */
export function principalId(request: FastifyRequest): string {
  if (request.user) return request.user.id;
  if (request.apiKey) return request.apiKey.id;
  throw unauthorized();
}

/**
 * The one place roles are enforced. Each route's contract (from openapi.yaml: `security` and
 * `x-roles`) says whether it needs a bearer token and which roles may call it. The user is read
 * from the database on every request (user-reads.ts), so deactivation and role changes take
 * effect at once.
 */
export function registerAuth(app: FastifyInstance, ctx: AppContext): void {
  app.addHook('onRequest', async (request) => {
    const contract = request.routeOptions.config.contract;
    const header = request.headers.authorization;
    if (!contract?.secured && !(contract?.optionalAuth && header)) return;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match) throw unauthorized('Send an access token in the Authorization header: Bearer <token>');
    if (isApiKey(match[1]!)) {
      request.apiKey = await keyPrincipal(ctx, match[1]!, contract);
      return;
    }
    let sub: string;
    try {
      sub = (await verifyAccessToken(ctx.keys, ctx.config, match[1]!)).sub;
    } catch {
      throw unauthorized('The access token is invalid or expired');
    }
    const row = await readUser(ctx, sub);
    if (!row) throw unauthorized('The account no longer exists');
    if (!row.active) throw unauthorized('The account is deactivated');
    request.user = { id: row.id, email: row.email, name: row.name, role: row.role };
    request.account = row;
    if (contract.roles && !contract.roles.includes(row.role)) {
      throw forbidden(`This needs the role ${contract.roles.join(' or ')}; you are ${row.role}`);
    }
  });
}

/**
 * An API key acts for its organisation as a supplier would, only on operations that declare
 * `x-scopes`, and only with each scope listed. Unknown and revoked keys are 401s; a key on an
 * operation it may not call is a 403 naming what is missing.
 */
async function keyPrincipal(ctx: AppContext, key: string, contract: NonNullable<FastifyRequest['routeOptions']['config']['contract']>) {
  const principal = await authenticateKey(ctx, key);
  if (!principal) throw unauthorized('The API key is unknown or revoked');
  if (!contract.scopes || (contract.roles && !contract.roles.includes('supplier'))) {
    throw forbidden(`API keys may not call ${contract.operationId}; sign in instead`);
  }
  const missing = contract.scopes.filter((scope) => !holdsScope(principal.scopes, scope));
  if (missing.length) throw forbidden(`This API key lacks the scope ${missing.join(', ')}`);
  return principal;
}
