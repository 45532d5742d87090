import { eq, sql } from 'drizzle-orm';
import type { Queryable } from '../../db/client.ts';
import { invoiceCounters } from '../../db/schema.ts';

/**
 * The organisation's next invoice number, taken inside the caller's transaction (the one that
 * accepts the order). Its counter row is locked FOR UPDATE and incremented, and stays locked until
 * that transaction ends: concurrent acceptances for one organisation queue here and each gets the
 * next number; one that rolls back takes its increment with it, so the numbers have no gaps. (A
 * sequence would hand out numbers that a rollback loses.) Other organisations' counters are other
 * rows, so they never wait for each other.
 */
export async function nextInvoiceNumber(tx: Queryable, supplier: { id: string; name: string }): Promise<{ sequence: number; number: string }> {
  const counter = await lockCounter(tx, supplier);
  const [row] = await tx
    .update(invoiceCounters)
    .set({ lastNumber: sql`${invoiceCounters.lastNumber} + 1` })
    .where(eq(invoiceCounters.supplierId, supplier.id))
    .returning({ lastNumber: invoiceCounters.lastNumber });
  const sequence = row!.lastNumber;
  return { sequence, number: formatInvoiceNumber(counter.prefix, sequence) };
}

export const formatInvoiceNumber = (prefix: string, sequence: number) => `INV-${prefix}-${String(sequence).padStart(6, '0')}`;

async function lockCounter(tx: Queryable, supplier: { id: string; name: string }) {
  const locked = () => tx.select().from(invoiceCounters).where(eq(invoiceCounters.supplierId, supplier.id)).for('update');
  const [existing] = await locked();
  if (existing) return existing;
  // The organisation's first invoice: its counter is created with a prefix no other organisation
  // has. ON CONFLICT DO NOTHING covers both races: another acceptance of this organisation created
  // the row first (it is then locked and used), or another organisation took this prefix (the
  // next candidate is tried).
  for (const prefix of prefixCandidates(supplier.name, supplier.id)) {
    const [created] = await tx.insert(invoiceCounters).values({ supplierId: supplier.id, prefix }).onConflictDoNothing().returning();
    if (created) return created;
    const [mine] = await locked();
    if (mine) return mine;
  }
  throw new Error(`no free invoice prefix for organisation ${supplier.id}`);
}

/**
 * "Msasa Grain Traders" → MGT (initials of three or more words), "Harare Grain" → HARA (the first
 * four letters otherwise), then the same with 2, 3 … appended, and the organisation id's first
 * eight hex digits as the last resort.
 */
export function prefixCandidates(name: string, id: string): string[] {
  const words = name.toUpperCase().replace(/[^A-Z0-9 ]+/g, ' ').split(/\s+/).filter((w) => /[A-Z]/.test(w));
  const letters = words.join('');
  const base = (words.length >= 3 ? words.map((w) => w[0]).join('').slice(0, 5) : letters.slice(0, 4)) || 'ORG';
  const out = [base];
  for (let i = 2; i <= 20; i += 1) out.push(`${base}${i}`);
  out.push(id.replace(/-/g, '').slice(0, 8).toUpperCase());
  return out;
}
