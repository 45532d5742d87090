import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { organisationOf } from '../suppliers/membership.ts';
import { createKey, listKeys, revokeKey } from './keys.ts';

/** The organisation's API keys (owners, signed in). */
export function apiKeyHandlers(ctx: AppContext) {
  return {
    listApiKeys: async (req) => listKeys(ctx, await organisationOf(ctx, req)),
    createApiKey: async (req, reply) => reply.code(201).send(await createKey(ctx, await organisationOf(ctx, req), req.body)),
    revokeApiKey: async (req) => revokeKey(ctx, await organisationOf(ctx, req), req.params.id),
  } satisfies SomeHandlers;
}
