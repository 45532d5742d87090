import { createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createLocalJWKSet, exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';
import type { Schemas } from '../../openapi/contract.ts';

// Access tokens are signed with Ed25519 (EdDSA). Partners verify them with the public half,
// published at /.well-known/jwks.json. The key file lives in DATA_DIR unless JWT_KEYS_FILE says otherwise.

interface StoredKey {
  kid: string;
  createdAt: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

export interface SigningKeys {
  kid: string;
  privateKey: CryptoKey;
  /** Every public key still accepted (the newest signs; older ones verify until removed). */
  jwks: Schemas['Jwks'];
  verifierKeySet: ReturnType<typeof createLocalJWKSet>;
  /** The same public keys by kid, as node:crypto keys (access tokens are checked on every request). */
  verifiers: Map<string, KeyObject>;
}

export const jwtAlgorithm = 'EdDSA';

export async function loadOrCreateKeys(file: string): Promise<SigningKeys> {
  let stored: StoredKey[];
  if (fs.existsSync(file)) {
    stored = (JSON.parse(fs.readFileSync(file, 'utf8')) as { keys: StoredKey[] }).keys;
    if (!stored.length) throw new Error(`${file} holds no keys`);
  } else {
    stored = [await newKey()];
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, JSON.stringify({ keys: stored }, null, 2), { mode: 0o600 });
  }
  const [signer] = stored as [StoredKey];
  // Ed25519 keys are always of type OKP (RFC 8037).
  const publicKeys = stored.map((k) => ({ ...k.publicJwk, kty: 'OKP', kid: k.kid, alg: jwtAlgorithm, use: 'sig' }));
  return {
    kid: signer.kid,
    privateKey: (await importJWK(signer.privateJwk, jwtAlgorithm)) as CryptoKey,
    jwks: { keys: publicKeys },
    verifierKeySet: createLocalJWKSet({ keys: publicKeys }),
    verifiers: new Map(stored.map((k) => [k.kid, createPublicKey({ key: k.publicJwk as never, format: 'jwk' })])),
  };
}

async function newKey(): Promise<StoredKey> {
  const { privateKey, publicKey } = await generateKeyPair(jwtAlgorithm, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const createdAt = new Date().toISOString();
  return {
    kid: `cs-${createdAt.slice(0, 10)}-${(publicJwk.x ?? '').slice(0, 8)}`,
    createdAt,
    privateJwk: await exportJWK(privateKey),
    publicJwk,
  };
}
