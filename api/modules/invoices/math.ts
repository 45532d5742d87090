// Invoice arithmetic, in integer minor units and basis points only (no floats anywhere).
//
// Goods are priced net of VAT (the order's unit price); VAT is added on top; the platform's
// commission is a percentage of the goods (net of VAT: VAT is the tax authority's money, passed
// through to the supplier, who remits it to ZIMRA). The payout is what the platform owes the
// supplier: the invoice total less the commission.
//
// Rounding: each of VAT and commission is rounded once, at the invoice level, half up (half a cent
// and more goes up), so the printed lines always add up: total = subtotal + VAT, payable = total -
// commission, exactly.

export interface InvoiceAmounts {
  subtotal: number;
  vatAmount: number;
  total: number;
  commissionAmount: number;
  payableAmount: number;
}

/** amount × rate / 10 000, rounded half up; BigInt so no intermediate product loses precision. */
export function percentOf(amount: number, rateBp: number): number {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`amount must be a non-negative integer, got ${amount}`);
  if (!Number.isInteger(rateBp) || rateBp < 0) throw new RangeError(`rate must be whole basis points, got ${rateBp}`);
  return Number((BigInt(amount) * BigInt(rateBp) + 5000n) / 10000n);
}

export function invoiceAmounts(subtotal: number, vatRateBp: number, commissionRateBp: number): InvoiceAmounts {
  const vatAmount = percentOf(subtotal, vatRateBp);
  const total = subtotal + vatAmount;
  const commissionAmount = percentOf(subtotal, commissionRateBp);
  return { subtotal, vatAmount, total, commissionAmount, payableAmount: total - commissionAmount };
}

/** 1550 → "15.5", 500 → "5", 1525 → "15.25". */
export function formatRate(rateBp: number): string {
  return (rateBp / 100).toFixed(2).replace(/\.?0+$/, '');
}
