import type { FastifyInstance } from 'fastify';
import { bearer, userWithRole, type Session } from './users.ts';

let n = 0;

export function supplierRegistration(overrides: { organisation?: Record<string, unknown>; user?: Record<string, unknown> } = {}) {
  n += 1;
  return {
    organisation: {
      name: `Msasa Grain Traders ${n}`,
      registrationNumber: `${4500 + n}/2018`,
      taxNumber: `2000${String(12_345 + n).padStart(5, '0')}`,
      contactName: 'Farai Ndlovu',
      area: 'Msasa',
      address: '14 Mutare Road, Msasa, Harare',
      phone: '0242487000',
      email: `sales${n}-${process.pid}@msasagrain.co.zw`,
      categories: ['mealie-meal', 'rice'],
      payoutAccount: { method: 'bank', bankCode: 'CBZ', bankName: 'CBZ Bank', accountNumber: '01203400091', accountName: 'Msasa Grain Traders' },
      ...overrides.organisation,
    },
    user: {
      email: `farai${n}-${process.pid}@msasagrain.co.zw`,
      name: 'Farai Ndlovu',
      password: 'msasa-grain-2026',
      phone: '0772000111',
      ...overrides.user,
    },
  };
}

export interface SupplierOrg {
  id: string;
  owner: Session;
  admin: Session;
}

/**
 * A supplier organisation registered through the API with its owner signed in; verified by an
 * admin unless `verified: false`.
 */
export async function supplierOrganisation(
  app: FastifyInstance,
  options: { verified?: boolean; admin?: Session } & Parameters<typeof supplierRegistration>[0] = {},
): Promise<SupplierOrg> {
  const res = await app.inject({ method: 'POST', url: '/api/suppliers/register', payload: supplierRegistration(options) });
  if (res.statusCode !== 201) throw new Error(`supplier registration failed: ${res.statusCode} ${res.body}`);
  const { session, organisation } = res.json();
  const admin = options.admin ?? (await userWithRole(app, 'admin'));
  if (options.verified !== false) {
    const v = await app.inject({ method: 'POST', url: `/api/admin/suppliers/${organisation.id}/verify`, headers: bearer(admin.accessToken) });
    if (v.statusCode !== 200) throw new Error(`verify failed: ${v.statusCode} ${v.body}`);
  }
  return { id: organisation.id, owner: session, admin };
}
