import { SignJWT, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { jwtAlgorithm, type SigningKeys } from '../auth/keys.ts';

// The token a pickup pass's QR code carries. It is signed with the same Ed25519 key as access
// tokens, so a staff device holding /.well-known/jwks.json can check it offline, but it has its own
// audience and `typ`, so a pass can never be used as an access token nor an access token as a pass.
// It names the pass and the pickup point only: no name, phone or quantity ever goes into the QR.

export const passTokenAudience = 'connectsphere-pickup';
export const passTokenType = 'cs-pass';

export interface PassTokenInput {
  id: string;
  pickupPointId: string;
  expiresAt: Date;
  createdAt: Date;
}

export interface PassClaims {
  passId: string;
  pickupPointId: string;
  expiresAt: Date;
}

/** Why a token was refused: `expired` (genuine but past its expiry) or `invalid` (anything else). */
export class PassTokenError extends Error {
  constructor(
    readonly reason: 'expired' | 'invalid',
    message: string,
    /** For an expired token, when it expired. */
    readonly expiresAt?: Date,
  ) {
    super(message);
  }
}

const seconds = (d: Date) => Math.floor(d.getTime() / 1000);

/**
 * Signs the pass's token. `iat` is the pass's creation time and `exp` its expiry, so the same pass
 * always yields the same token (Ed25519 signatures are deterministic) and its QR code never changes.
 */
export async function signPassToken(keys: SigningKeys, issuer: string, pass: PassTokenInput): Promise<string> {
  return new SignJWT({ pp: pass.pickupPointId })
    .setProtectedHeader({ alg: jwtAlgorithm, kid: keys.kid, typ: passTokenType })
    .setSubject(pass.id)
    .setIssuer(issuer)
    .setAudience(passTokenAudience)
    .setIssuedAt(seconds(pass.createdAt))
    .setExpirationTime(seconds(pass.expiresAt))
    .sign(keys.privateKey);
}

/**
 * Verifies a pass token against a key set (the server's, or one built offline from the published
 * JWKS with `createLocalJWKSet`). Refuses a bad signature, unknown kid, any algorithm but EdDSA
 * (including `none`), another issuer, audience or `typ`, a missing claim, and an expired token.
 */
export async function verifyPassToken(keySet: JWTVerifyGetKey, issuer: string, token: string): Promise<PassClaims> {
  try {
    const { payload } = await jwtVerify(token, keySet, {
      algorithms: [jwtAlgorithm],
      issuer,
      audience: passTokenAudience,
      typ: passTokenType,
      requiredClaims: ['sub', 'pp', 'exp'],
    });
    if (typeof payload.sub !== 'string' || typeof payload.pp !== 'string' || typeof payload.exp !== 'number') {
      throw new PassTokenError('invalid', 'the token lacks a pass, pickup point or expiry');
    }
    return { passId: payload.sub, pickupPointId: payload.pp, expiresAt: new Date(payload.exp * 1000) };
  } catch (err) {
    if (err instanceof PassTokenError) throw err;
    // jose checks the signature before the claims, so an expired token here is a genuine one.
    if (err instanceof errors.JWTExpired) {
      const exp = err.payload.exp;
      throw new PassTokenError('expired', 'the pass has expired', typeof exp === 'number' ? new Date(exp * 1000) : undefined);
    }
    throw new PassTokenError('invalid', 'is not a valid pickup pass');
  }
}
