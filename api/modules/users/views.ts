import type { userPreferences, users } from '../../db/schema.ts';

type UserRow = typeof users.$inferSelect;
type PreferencesRow = typeof userPreferences.$inferSelect;

// The one mapping from rows to the API's shapes (see User, Preferences, Profile in openapi.yaml).

export function userView(u: UserRow) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    phone: u.phone,
    role: u.role,
    active: u.active,
    location: { market: u.market, city: u.city },
    segment: u.segment,
    createdAt: u.createdAt.toISOString(),
  };
}

export function preferencesView(p: PreferencesRow) {
  return {
    categories: p.categories,
    budget: { min: p.budgetMin, max: p.budgetMax, currency: p.currency as 'USD' | 'ZWG' },
    preferredGroupSizes: p.groupSizes as ('small' | 'medium' | 'large')[],
    purchaseFrequency: p.purchaseFrequency as 'weekly' | 'fortnightly' | 'monthly' | 'occasionally',
  };
}

export type PreferencesInput = ReturnType<typeof preferencesView>;

export function profileView(u: UserRow) {
  return {
    name: u.name,
    phone: u.phone,
    location: { market: u.market, city: u.city },
    businessType: u.businessType,
    yearsOfExperience: u.yearsOfExperience,
  };
}
