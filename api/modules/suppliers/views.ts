import type { PayoutAccount, supplierInvites, suppliers } from '../../db/schema.ts';
import { ratingAverage } from '../ratings/average.ts';

type SupplierRow = typeof suppliers.$inferSelect;
type InviteRow = typeof supplierInvites.$inferSelect;

/** Account numbers are shown with only their last four digits: a leaked response cannot redirect a payout. */
export function maskedPayoutAccount(account: PayoutAccount | null): PayoutAccount | null {
  if (!account || account.method !== 'bank') return account;
  const n = account.accountNumber;
  return { ...account, accountNumber: '•'.repeat(Math.max(0, n.length - 4)) + n.slice(-4) };
}

export function organisationView(s: SupplierRow) {
  return {
    id: s.id,
    name: s.name,
    registrationNumber: s.registrationNumber,
    taxNumber: s.taxNumber,
    contactName: s.contactName,
    area: s.area,
    address: s.address,
    phone: s.phone,
    email: s.email,
    categories: s.categories,
    payoutAccount: maskedPayoutAccount(s.payoutAccount),
    status: s.status,
    rejectionReason: s.rejectionReason,
    ratingAverage: ratingAverage(s.ratingSum, s.ratingCount),
    ratingCount: s.ratingCount,
    verifiedAt: s.verifiedAt?.toISOString() ?? null,
    createdAt: s.createdAt.toISOString(),
  };
}

export const inviteView = (i: InviteRow) => ({
  id: i.id,
  email: i.email,
  role: i.role,
  expiresAt: i.expiresAt.toISOString(),
  createdAt: i.createdAt.toISOString(),
});
