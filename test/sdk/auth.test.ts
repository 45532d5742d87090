// The SDK's sign-in, token storage and automatic refresh, against a real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ApiError, ConnectSphere, ConnectSphereError, MemoryTokenStore, type RegisterRequest, type Tokens } from '@connectsphere/sdk';
import { liveServer } from '../helpers/app.ts';
import { traderInput } from '../helpers/users.ts';
import { rejection } from './stub-server.ts';

let app: FastifyInstance;
let url: string;
beforeAll(async () => {
  ({ app, url } = await liveServer());
});
afterAll(async () => {
  await app.close();
});

const trader = (overrides: Record<string, unknown> = {}) => traderInput(overrides) as RegisterRequest;

/** A client whose token changes are recorded. */
function recordingClient(initial?: Tokens) {
  const store = new MemoryTokenStore(initial);
  const changes: (Tokens | undefined)[] = [];
  const cs = new ConnectSphere({ baseUrl: url, tokens: store, retryDelayMs: 1, onTokens: (t) => changes.push(t) });
  return { cs, store, changes };
}

/** A signed-in session's tokens, from a client of its own. */
async function session(): Promise<Tokens & { email: string }> {
  const input = trader();
  const s = await new ConnectSphere({ baseUrl: url }).auth.register(input);
  return { accessToken: s.accessToken, refreshToken: s.refreshToken, email: input.email };
}

describe('register, login, me', () => {
  it('register stores the session, so me() is the new trader', async () => {
    const { cs, store, changes } = recordingClient();
    const input = trader();
    const s = await cs.auth.register(input);
    expect(s.user).toMatchObject({ email: input.email, role: 'trader', phone: '+263772123456' });
    expect(store.get()).toEqual({ accessToken: s.accessToken, refreshToken: s.refreshToken });
    expect(changes).toEqual([{ accessToken: s.accessToken, refreshToken: s.refreshToken }]);
    await expect(cs.auth.me()).resolves.toMatchObject({ id: s.user.id, email: input.email });
  });

  it('login stores a new session', async () => {
    const input = trader();
    await new ConnectSphere({ baseUrl: url }).auth.register(input);
    const { cs, store } = recordingClient();
    const s = await cs.auth.login({ email: input.email, password: input.password });
    expect(store.get()?.refreshToken).toBe(s.refreshToken);
    await expect(cs.auth.me()).resolves.toMatchObject({ email: input.email });
  });

  it('a wrong password is ApiError 401 and does not try to refresh the stored session', async () => {
    const tokens = await session();
    const { cs, store, changes } = recordingClient(tokens);
    const err = await rejection(cs.auth.login({ email: tokens.email, password: 'wrong-password-1' }));
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect((err as ApiError).problem.detail).toBe('Wrong email or password');
    expect(store.get()).toEqual(tokens);
    expect(changes).toEqual([]);
  });

  it('a validation failure is ApiError 400 whose problem names each field, with the request id', async () => {
    const cs = new ConnectSphere({ baseUrl: url });
    const err = await rejection(cs.auth.register(trader({ email: 'not-an-email', password: 'short1' })));
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(400);
    expect(e.problem).toMatchObject({ type: 'https://connectsphere.dev/problems/validation', title: 'Validation failed', status: 400 });
    expect(e.problem.errors).toEqual(
      expect.arrayContaining([
        { field: 'body.email', message: 'must match format "email"' },
        { field: 'body.password', message: 'must NOT have fewer than 10 characters' },
      ]),
    );
    expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(e.requestId).toBe(e.problem.requestId);
    expect(e.message).toContain('400 Validation failed');
  });

  it('without a session, me() is ApiError 401', async () => {
    await expect(new ConnectSphere({ baseUrl: url }).auth.me()).rejects.toMatchObject({ status: 401 });
  });
});

describe('automatic refresh', () => {
  it('on 401 refreshes once with the stored refresh token, stores the new pair and replays the call', async () => {
    const tokens = await session();
    const { cs, store, changes } = recordingClient({ accessToken: 'expired.or.garbage', refreshToken: tokens.refreshToken });
    await expect(cs.auth.me()).resolves.toMatchObject({ email: tokens.email });
    expect(changes).toHaveLength(1);
    const fresh = store.get()!;
    expect(changes[0]).toEqual(fresh);
    expect(fresh.refreshToken).not.toBe(tokens.refreshToken);
    expect(fresh.accessToken).not.toBe('expired.or.garbage');
    // The new pair is the live one: the next call needs no refresh.
    await cs.users.getProfile();
    expect(changes).toHaveLength(1);
  });

  it('concurrent 401s share one refresh (a second exchange of the same token would revoke the session)', async () => {
    const tokens = await session();
    const { cs, changes } = recordingClient({ accessToken: 'expired.or.garbage', refreshToken: tokens.refreshToken });
    const results = await Promise.all([cs.auth.me(), cs.auth.me(), cs.users.getProfile(), cs.auth.me()]);
    expect(results.map((r) => r.name)).toEqual(['Tendai Moyo', 'Tendai Moyo', 'Tendai Moyo', 'Tendai Moyo']);
    expect(changes).toHaveLength(1);
    await expect(cs.auth.me()).resolves.toMatchObject({ email: tokens.email });
  });

  it('when the refresh is refused, clears the store and throws ApiError 401', async () => {
    const { cs, store, changes } = recordingClient({ accessToken: 'expired.or.garbage', refreshToken: 'x'.repeat(43) });
    const err = await rejection(cs.auth.me());
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect((err as ApiError).path).toBe('/api/auth/refresh');
    expect(store.get()).toBeUndefined();
    expect(changes).toEqual([undefined]);
  });

  it('refreshes at most once: a 401 on the replay is thrown', async () => {
    const tokens = await session();
    // A store that loses every write, so the replay carries the bad access token again.
    const writes: (Tokens | undefined)[] = [];
    const cs = new ConnectSphere({
      baseUrl: url,
      tokens: { get: () => ({ accessToken: 'expired.or.garbage', refreshToken: tokens.refreshToken }), set: (t) => void writes.push(t) },
    });
    await expect(cs.auth.me()).rejects.toMatchObject({ status: 401, path: '/api/auth/me' });
    expect(writes).toHaveLength(1);
  });

  it('auth.refresh() rotates the stored pair; the old refresh token then fails', async () => {
    const tokens = await session();
    const { cs, store } = recordingClient(tokens);
    const s = await cs.auth.refresh();
    expect(store.get()).toEqual({ accessToken: s.accessToken, refreshToken: s.refreshToken });
    expect(s.refreshToken).not.toBe(tokens.refreshToken);
    const replay = recordingClient({ accessToken: 'x', refreshToken: tokens.refreshToken });
    await expect(replay.cs.auth.refresh()).rejects.toMatchObject({ status: 401 });
  });

  it('auth.refresh() with nothing stored throws a ConnectSphereError without calling the API', async () => {
    const err = await rejection(new ConnectSphere({ baseUrl: url }).auth.refresh());
    expect(err).toBeInstanceOf(ConnectSphereError);
    expect(err).not.toBeInstanceOf(ApiError);
  });

  it('works with an async token store', async () => {
    const tokens = await session();
    let saved: Tokens | undefined = { accessToken: 'expired.or.garbage', refreshToken: tokens.refreshToken };
    const cs = new ConnectSphere({
      baseUrl: url,
      tokens: { get: async () => saved, set: async (t) => void (saved = t) },
    });
    await expect(cs.auth.me()).resolves.toMatchObject({ email: tokens.email });
    expect(saved?.refreshToken).not.toBe(tokens.refreshToken);
  });
});

describe('logout', () => {
  it('revokes the session on the server and clears the store', async () => {
    const tokens = await session();
    const { cs, store, changes } = recordingClient(tokens);
    await cs.auth.logout();
    expect(store.get()).toBeUndefined();
    expect(changes).toEqual([undefined]);
    const other = recordingClient({ accessToken: 'x', refreshToken: tokens.refreshToken });
    await expect(other.cs.auth.refresh()).rejects.toMatchObject({ status: 401 });
  });
});
