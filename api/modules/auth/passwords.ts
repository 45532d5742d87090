import { hash, verify } from '@node-rs/argon2';
import { badRequest } from '../../errors.ts';

// @node-rs/argon2 hashes with argon2id by default; these are OWASP's recommended minimums.
const options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string) => hash(password, options);

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

// Verifying against a real hash when the account does not exist keeps the response time the same,
// so timing does not reveal which emails are registered.
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('not-a-real-password-0');
  await verifyPassword(await dummyHash, password);
}

const common = new Set([
  'password123', 'password1234', '1234567890', '12345678910', 'qwerty12345', 'qwertyuiop1',
  'iloveyou123', 'abc1234567', 'password12', 'zimbabwe123', 'harare12345', 'connectsphere1',
]);

/** Length is checked by the schema; this adds what a schema cannot say. */
export function assertStrongPassword(password: string, email: string, field = 'body.password'): void {
  if (!/[A-Za-z]/.test(password) || !/[0-9]/.test(password)) {
    throw badRequest(field, 'must contain at least one letter and one digit');
  }
  if (common.has(password.toLowerCase())) throw badRequest(field, 'is too common');
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (local.length >= 4 && password.toLowerCase().includes(local)) {
    throw badRequest(field, 'must not contain your email address');
  }
}
