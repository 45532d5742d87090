import { SignJWT, exportJWK, generateKeyPair, base64url, type CryptoKey } from 'jose';
import type { FastifyInstance } from 'fastify';
import { eq } from 'drizzle-orm';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { users } from '../../api/db/schema.ts';
import { loadOrCreateKeys } from '../../api/modules/auth/keys.ts';
import { accessTokenAudience, verifyAccessToken } from '../../api/modules/auth/tokens.ts';
import { freshApp } from '../helpers/app.ts';
import { bearer, registerUser, type Session } from '../helpers/users.ts';

let app: FastifyInstance;
let session: Session;
beforeAll(async () => {
  app = await freshApp();
  session = await registerUser(app);
});
afterAll(() => app.close());

const me = (token: string) => app.inject({ url: '/api/auth/me', headers: bearer(token) });
const signWith = (key: CryptoKey, claims: Record<string, unknown>, kid = app.ctx.keys.kid, exp: string | number = '5m') =>
  new SignJWT({ role: 'admin', ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid })
    .setSubject(session.user.id)
    .setIssuer('connectsphere')
    .setAudience(accessTokenAudience)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(key);

/** A compact JWS over exactly these header and claims (jose refuses to sign some of them). */
async function raw(header: Record<string, unknown>, claims: Record<string, unknown>, key: CryptoKey): Promise<string> {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(claims))}`;
  const signature = await crypto.subtle.sign('Ed25519', key, new TextEncoder().encode(input));
  return `${input}.${base64url.encode(new Uint8Array(signature))}`;
}

describe('access tokens', () => {
  it('accepts a valid token, and verifies with the published JWKS', async () => {
    expect((await me(session.accessToken)).statusCode).toBe(200);
    const jwks = (await app.inject({ url: '/.well-known/jwks.json' })).json();
    expect(jwks.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', kid: app.ctx.keys.kid });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('rejects a missing or malformed Authorization header with 401 and WWW-Authenticate', async () => {
    const none = await app.inject({ url: '/api/auth/me' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await app.inject({ url: '/api/auth/me', headers: { authorization: 'Basic abc' } })).statusCode).toBe(401);
  });

  it('rejects a tampered token (payload changed, signature kept)', async () => {
    const [h, p, s] = session.accessToken.split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(p!)));
    claims.role = 'admin';
    const forged = `${h}.${base64url.encode(JSON.stringify(claims))}.${s}`;
    expect((await me(forged)).statusCode).toBe(401);
  });

  it('rejects a token signed by another key, even with our kid', async () => {
    const { privateKey } = await generateKeyPair('EdDSA');
    expect((await me(await signWith(privateKey, {})))).toMatchObject({ statusCode: 401 });
  });

  it('rejects an expired token', async () => {
    const key = app.ctx.keys.privateKey;
    const expired = await signWith(key, {}, app.ctx.keys.kid, Math.floor(Date.now() / 1000) - 60);
    const res = await me(expired);
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toBe('The access token is invalid or expired');
  });

  it('rejects alg "none"', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(
      JSON.stringify({ sub: session.user.id, role: 'admin', iss: 'connectsphere', aud: accessTokenAudience, exp: Math.floor(Date.now() / 1000) + 300 }),
    );
    expect((await me(`${header}.${payload}.`)).statusCode).toBe(401);
  });

  it('rejects an HS256 token keyed with the public key (algorithm confusion)', async () => {
    const jwk = await exportJWK((await generateKeyPair('EdDSA')).publicKey);
    const secret = new TextEncoder().encode(JSON.stringify(jwk));
    const hs = await new SignJWT({ role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', kid: app.ctx.keys.kid })
      .setSubject(session.user.id)
      .setIssuer('connectsphere')
      .setAudience(accessTokenAudience)
      .setExpirationTime('5m')
      .sign(secret);
    expect((await me(hs)).statusCode).toBe(401);
  });

  it('rejects a token for another issuer or audience, not valid yet, or without a subject', async () => {
    const key = app.ctx.keys.privateKey;
    const now = Math.floor(Date.now() / 1000);
    const base = { sub: session.user.id, role: 'trader', iss: 'connectsphere', aud: accessTokenAudience, iat: now, exp: now + 300 };
    // The same claims, signed properly, are accepted: each case below differs in one claim only.
    expect((await me(await raw({ alg: 'EdDSA', kid: app.ctx.keys.kid }, base, key))).statusCode).toBe(200);
    expect((await me(await raw({ alg: 'EdDSA', kid: app.ctx.keys.kid }, { ...base, aud: ['other', accessTokenAudience] }, key))).statusCode).toBe(200);
    for (const claims of [
      { ...base, iss: 'someone-else' },
      { ...base, aud: 'connectsphere-pass' },
      { ...base, nbf: now + 120 },
      { ...base, exp: String(now + 300) },
      { ...base, sub: undefined },
    ]) {
      const token = await raw({ alg: 'EdDSA', kid: app.ctx.keys.kid }, claims, key);
      expect((await me(token)).statusCode, JSON.stringify(claims)).toBe(401);
      await expect(verifyAccessToken(app.ctx.keys, app.ctx.config, token), JSON.stringify(claims)).rejects.toThrow();
    }
  });

  it('rejects an unknown kid, a critical header it does not understand, and malformed tokens', async () => {
    const key = app.ctx.keys.privateKey;
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: session.user.id, role: 'trader', iss: 'connectsphere', aud: accessTokenAudience, exp: now + 300 };
    expect((await me(await raw({ alg: 'EdDSA', kid: 'cs-unknown' }, claims, key))).statusCode).toBe(401);
    // A good Ed25519 signature under another algorithm's name is still not EdDSA.
    expect((await me(await raw({ alg: 'Ed25519', kid: app.ctx.keys.kid }, claims, key))).statusCode).toBe(401);
    expect((await me(await raw({ alg: 'EdDSA', kid: app.ctx.keys.kid, crit: ['exp'] }, claims, key))).statusCode).toBe(401);
    const [h, p, s] = session.accessToken.split('.') as [string, string, string];
    for (const token of [`${h}.${p}`, `${h}.${p}.${s}.${s}`, `${h}.${p}.${s}!`, `${base64url.encode('[1]')}.${p}.${s}`, `${h}.${p}.${s.slice(0, -4)}`]) {
      expect((await me(token)).statusCode, token).toBe(401);
    }
  });

  it('remembers a verified token only while it would still verify: expiry, issuer and key are checked again', async () => {
    const keys = await loadOrCreateKeys(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cs-keys-')), 'keys.json'));
    const config = app.ctx.config;
    const now = Math.floor(Date.now() / 1000);
    const token = await raw({ alg: 'EdDSA', kid: keys.kid }, { sub: session.user.id, role: 'trader', iss: config.jwt.issuer, aud: accessTokenAudience, exp: now + 60 }, keys.privateKey);
    expect(await verifyAccessToken(keys, config, token)).toEqual({ sub: session.user.id, role: 'trader' });
    // Served from memory now: the same answer without a signature check, until something changes.
    expect(await verifyAccessToken(keys, config, token)).toEqual({ sub: session.user.id, role: 'trader' });
    await expect(verifyAccessToken(keys, { ...config, jwt: { ...config.jwt, issuer: 'someone-else' } }, token)).rejects.toThrow('unexpected issuer');
    vi.useFakeTimers({ toFake: ['Date'], now: (now + 61) * 1000 });
    try {
      await expect(verifyAccessToken(keys, config, token)).rejects.toThrow('expired');
    } finally {
      vi.useRealTimers();
    }
    expect(await verifyAccessToken(keys, config, token)).toEqual({ sub: session.user.id, role: 'trader' });
    // A key taken out of the accepted set stops its tokens at once, remembered or not.
    const verifier = keys.verifiers.get(keys.kid)!;
    keys.verifiers.delete(keys.kid);
    await expect(verifyAccessToken(keys, config, token)).rejects.toThrow('unknown key');
    keys.verifiers.set(keys.kid, verifier);
    expect(await verifyAccessToken(keys, config, token)).toEqual({ sub: session.user.id, role: 'trader' });
  });

  it('stops honouring tokens of a deactivated user at once', async () => {
    const s = await registerUser(app);
    expect((await me(s.accessToken)).statusCode).toBe(200);
    await app.ctx.db.update(users).set({ active: false }).where(eq(users.id, s.user.id));
    const res = await me(s.accessToken);
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toBe('The account is deactivated');
  });

  it('requests that arrive together share one read of their users, and each is still its own user', async () => {
    // The hook batches the reads of one turn of the event loop: a deactivated user among them is
    // refused, everyone else is answered as themselves, and a change is seen by the next batch.
    const sessions = await Promise.all(Array.from({ length: 6 }, () => registerUser(app)));
    await app.ctx.db.update(users).set({ active: false }).where(eq(users.id, sessions[2]!.user.id));
    const answers = await Promise.all([...sessions, ...sessions].map((s) => me(s.accessToken)));
    answers.forEach((res, i) => {
      const s = sessions[i % sessions.length]!;
      if (s === sessions[2]) expect(res.statusCode).toBe(401);
      else expect(res.json().id).toBe(s.user.id);
    });
    await app.ctx.db.update(users).set({ role: 'staff' }).where(eq(users.id, sessions[0]!.user.id));
    expect((await me(sessions[0]!.accessToken)).json().role).toBe('staff');
  });
});
