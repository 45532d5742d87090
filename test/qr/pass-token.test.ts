import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { SignJWT, UnsecuredJWT, createLocalJWKSet, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../api/context.ts';
import { signAccessToken, verifyAccessToken } from '../../api/modules/auth/tokens.ts';
import { PassTokenError, passTokenAudience, signPassToken, verifyPassToken } from '../../api/modules/qr/pass-token.ts';
import { freshApp } from '../helpers/app.ts';
import { bearer } from '../helpers/users.ts';

let app: FastifyInstance;
let ctx: AppContext;
beforeAll(async () => {
  app = await freshApp();
  ctx = app.ctx;
});
afterAll(() => app.close());

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000);
const pass = (overrides: Partial<{ id: string; pickupPointId: string; expiresAt: Date; createdAt: Date }> = {}) => ({
  id: randomUUID(),
  pickupPointId: randomUUID(),
  expiresAt: inDays(14),
  createdAt: new Date(),
  ...overrides,
});
const issuer = () => ctx.config.jwt.issuer;

async function refusal(token: string, keySet = ctx.keys.verifierKeySet): Promise<PassTokenError> {
  const err = await verifyPassToken(keySet, issuer(), token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PassTokenError);
  return err as PassTokenError;
}

describe('pickup pass tokens', () => {
  it('carry only the pass id, the pickup point and the validity, under their own audience and typ', async () => {
    const p = pass();
    const token = await signPassToken(ctx.keys, issuer(), p);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'EdDSA', kid: ctx.keys.kid, typ: 'cs-pass' });
    const claims = decodeJwt(token);
    expect(Object.keys(claims).sort()).toEqual(['aud', 'exp', 'iat', 'iss', 'pp', 'sub']);
    expect(claims).toMatchObject({ sub: p.id, pp: p.pickupPointId, aud: passTokenAudience, iss: issuer() });
    expect(claims.exp).toBe(Math.floor(p.expiresAt.getTime() / 1000));
  });

  it('are the same token every time for the same pass, so its QR code never changes', async () => {
    const p = pass();
    expect(await signPassToken(ctx.keys, issuer(), p)).toBe(await signPassToken(ctx.keys, issuer(), p));
  });

  it('verify offline with nothing but the published JWKS', async () => {
    const p = pass();
    const token = await signPassToken(ctx.keys, issuer(), p);
    const published = (await app.inject({ url: '/.well-known/jwks.json' })).json();
    const offline = createLocalJWKSet(JSON.parse(JSON.stringify(published)));
    const claims = await verifyPassToken(offline, issuer(), token);
    expect(claims).toEqual({ passId: p.id, pickupPointId: p.pickupPointId, expiresAt: new Date(Math.floor(p.expiresAt.getTime() / 1000) * 1000) });
    // The same check against the in-process key material.
    await expect(verifyPassToken(createLocalJWKSet(ctx.keys.jwks), issuer(), token)).resolves.toMatchObject({ passId: p.id });
  });

  it('are refused as access tokens, and access tokens are refused as passes', async () => {
    const token = await signPassToken(ctx.keys, issuer(), pass());
    await expect(verifyAccessToken(ctx.keys, ctx.config, token)).rejects.toThrow();
    const res = await app.inject({ url: '/api/auth/me', headers: bearer(token) });
    expect(res.statusCode).toBe(401);
    expect(res.json().detail).toBe('The access token is invalid or expired');

    const access = await signAccessToken(ctx.keys, ctx.config, { sub: randomUUID(), role: 'staff' });
    expect((await refusal(access)).reason).toBe('invalid');
  });

  it('are refused when tampered with', async () => {
    const token = await signPassToken(ctx.keys, issuer(), pass());
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: randomUUID() })).toString('base64url');
    expect((await refusal(`${header}.${forged}.${signature}`)).reason).toBe('invalid');
    const flipped = signature.slice(0, 10) + (signature[10] === 'A' ? 'B' : 'A') + signature.slice(11);
    expect((await refusal(`${header}.${payload}.${flipped}`)).reason).toBe('invalid');
    expect((await refusal('not-a-token')).reason).toBe('invalid');
  });

  it('are refused when expired, and say when they expired', async () => {
    const expiresAt = new Date(Date.now() - 60_000);
    const token = await signPassToken(ctx.keys, issuer(), pass({ expiresAt, createdAt: inDays(-14) }));
    const err = await refusal(token);
    expect(err.reason).toBe('expired');
    expect(err.expiresAt?.getTime()).toBe(Math.floor(expiresAt.getTime() / 1000) * 1000);
  });

  it('are refused with the wrong audience, typ, issuer, algorithm or key', async () => {
    const sign = (aud: string, typ: string, iss = issuer()) =>
      new SignJWT({ pp: randomUUID() })
        .setProtectedHeader({ alg: 'EdDSA', kid: ctx.keys.kid, typ })
        .setSubject(randomUUID())
        .setIssuer(iss)
        .setAudience(aud)
        .setExpirationTime('1h')
        .sign(ctx.keys.privateKey);
    // The control: the right audience and typ pass, so each refusal below is for the one change.
    await expect(verifyPassToken(ctx.keys.verifierKeySet, issuer(), await sign(passTokenAudience, 'cs-pass'))).resolves.toBeDefined();
    expect((await refusal(await sign('connectsphere-api', 'cs-pass'))).reason).toBe('invalid');
    expect((await refusal(await sign(passTokenAudience, 'JWT'))).reason).toBe('invalid');
    expect((await refusal(await sign(passTokenAudience, 'cs-pass', 'someone-else'))).reason).toBe('invalid');

    const unsigned = new UnsecuredJWT({ pp: randomUUID() }).setSubject(randomUUID()).setIssuer(issuer()).setAudience(passTokenAudience).setExpirationTime('1h').encode();
    expect((await refusal(unsigned)).reason).toBe('invalid');

    // A key that is not ours, even claiming our kid.
    const { privateKey } = await generateKeyPair('EdDSA');
    const foreign = await new SignJWT({ pp: randomUUID() })
      .setProtectedHeader({ alg: 'EdDSA', kid: ctx.keys.kid, typ: 'cs-pass' })
      .setSubject(randomUUID())
      .setIssuer(issuer())
      .setAudience(passTokenAudience)
      .setExpirationTime('1h')
      .sign(privateKey);
    expect((await refusal(foreign)).reason).toBe('invalid');
  });
});
