import { createHash, randomBytes, verify, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
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

/**
 * Throws on a bad signature, unknown kid, wrong algorithm (including `none`), a critical header,
 * issuer, audience, expiry or not-before. The signature is checked with node:crypto on this
 * thread: jose checks through WebCrypto, which runs every check as a job on libuv's thread pool,
 * and on a busy machine the wait for a pool thread cost more than the check itself (3-10 ms in
 * the slowest requests). Every request pays this, so it is done here by the rules jose applied
 * with these options.
 */
export async function verifyAccessToken(keys: SigningKeys, config: Config, token: string): Promise<AccessClaims> {
  const known = verifiedTokens(keys).get(token);
  if (known && stillValid(known, keys, config)) return { ...known.claims };
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((part) => base64urlPart.test(part))) throw new Error('not a compact JWS');
  const [header, payload, signature] = parts as [string, string, string];
  const h = jsonObject(header);
  if (h.alg !== jwtAlgorithm) throw new Error('unexpected algorithm');
  // No extension is understood here, so a header that makes one critical (or unencoded payloads) is refused.
  if ('crit' in h || 'b64' in h) throw new Error('unsupported header parameter');
  const key = typeof h.kid === 'string' ? keys.verifiers.get(h.kid) : undefined;
  if (!key) throw new Error('unknown key');
  // The claims are checked before the signature: a claim that fails refuses the token whether or
  // not it was signed, so the order changes no answer, and an app that keeps sending its expired
  // token until it refreshes (every request of it, meanwhile) costs no signature check.
  const claims = jsonObject(payload);
  const now = Math.floor(Date.now() / 1000);
  if (claims.iss !== config.jwt.issuer) throw new Error('unexpected issuer');
  const aud = claims.aud;
  if (aud !== accessTokenAudience && !(Array.isArray(aud) && aud.includes(accessTokenAudience))) throw new Error('unexpected audience');
  if (typeof claims.exp !== 'number' || claims.exp <= now) throw new Error('expired');
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now)) throw new Error('not yet valid');
  if (claims.iat !== undefined && typeof claims.iat !== 'number') throw new Error('bad iat');
  if (typeof claims.sub !== 'string') throw new Error('token has no subject');
  // The subject is a user id: anything else would reach the users query as a uuid it cannot cast.
  if (!uuidPattern.test(claims.sub)) throw new Error('token subject is not a user id');
  const sig = Buffer.from(signature, 'base64url');
  if (sig.length !== 64 || !verify(null, Buffer.from(`${header}.${payload}`), key, sig)) throw new Error('bad signature');
  const result = { sub: claims.sub, role: String(claims.role) };
  remember(keys, token, { claims: result, kid: h.kid as string, key, issuer: config.jwt.issuer, exp: claims.exp });
  return result;
}

// A client sends the same access token with every request until it expires, and checking its
// signature was the largest cost of the auth hook (about 0.4 ms of CPU per request). So a token
// that passed every check is remembered, by its exact text (which includes the signature: only a
// token verified before can hit), until it expires. A hit still re-checks what can change
// meanwhile: expiry, the configured issuer, and that the key which verified it is still accepted
// (not-before was passed when it was verified). Deactivated users are refused by the auth hook,
// which reads the user on every request anyway.

interface Verified {
  claims: AccessClaims;
  kid: string;
  key: KeyObject;
  issuer: string;
  exp: number;
}

/** Enough for every token in use on a busy day; past it the oldest half is forgotten. */
const verifiedTokenLimit = 20_000;
const verified = new WeakMap<SigningKeys, Map<string, Verified>>();

function verifiedTokens(keys: SigningKeys): Map<string, Verified> {
  let byToken = verified.get(keys);
  if (!byToken) verified.set(keys, (byToken = new Map()));
  return byToken;
}

function stillValid(v: Verified, keys: SigningKeys, config: Config): boolean {
  const now = Math.floor(Date.now() / 1000);
  return v.exp > now && v.issuer === config.jwt.issuer && keys.verifiers.get(v.kid) === v.key;
}

function remember(keys: SigningKeys, token: string, v: Verified): void {
  const byToken = verifiedTokens(keys);
  if (byToken.size >= verifiedTokenLimit) {
    // A Map iterates in insertion order: the first entries are the oldest.
    let drop = byToken.size / 2;
    for (const t of byToken.keys()) {
      if (drop-- <= 0) break;
      byToken.delete(t);
    }
  }
  byToken.set(token, v);
}

const base64urlPart = /^[A-Za-z0-9_-]+$/;
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function jsonObject(part: string): Record<string, unknown> {
  const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
  return value as Record<string, unknown>;
}

/** Refresh tokens are opaque random strings; only their hash is stored. */
export function newRefreshToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
