import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { Config } from '../../config.ts';
import { jwtAlgorithm, type SigningKeys } from './keys.ts';

export const accessTokenAudience = 'connectsphere-api';

export interface AccessClaims {
  sub: string;
  role: string;
}

export async function signAccessToken(keys: SigningKeys, config: Config, claims: AccessClaims): Promise<string> {
  return new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: jwtAlgorithm, kid: keys.kid, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(config.jwt.issuer)
    .setAudience(accessTokenAudience)
    .setIssuedAt()
    .setExpirationTime(`${config.jwt.accessTtlSeconds}s`)
    .sign(keys.privateKey);
}

/** Throws on a bad signature, unknown kid, wrong algorithm (including `none`), issuer, audience or expiry. */
export async function verifyAccessToken(keys: SigningKeys, config: Config, token: string): Promise<AccessClaims> {
  const { payload } = await jwtVerify(token, keys.verifierKeySet, {
    algorithms: [jwtAlgorithm],
    issuer: config.jwt.issuer,
    audience: accessTokenAudience,
  });
  if (typeof payload.sub !== 'string') throw new Error('token has no subject');
  return { sub: payload.sub, role: String(payload.role) };
}

/** Refresh tokens are opaque random strings; only their hash is stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
