// Plain-text templates: traders read these on basic phones, so no HTML and short SMS bodies.

import { shona } from './templates-sn.ts';

export type Payload = Record<string, unknown>;
export type Template = (p: Payload) => { subject: string; text: string };
/** en: English; sn: Shona (chiShona). A template without a Shona version is sent in English. */
export type Locale = 'en' | 'sn';
export const locales: Locale[] = ['en', 'sn'];

const templates: Record<string, Template> = {
  welcome: (p) => ({
    subject: 'Welcome to ConnectSphere',
    text: `Hi ${p.name}, welcome to ConnectSphere. Join group-buys near ${p.market} and pay less for stock.`,
  }),
  'group-funded': (p) => ({
    subject: `${p.group} is funded`,
    text: `Good news: ${p.group} reached its minimum order. We will order from the supplier and tell you when it ships.`,
  }),
  'group-status': (p) => ({
    subject: `${p.group}: ${p.status}`,
    text: `${p.group} is now ${p.status}.`,
  }),
  'pickup-ready': (p) => ({
    subject: `Collect ${p.group} at ${p.point}`,
    text: `Your ${p.quantity} x ${p.unit} of ${p.product} is ready at ${p.point}. Show your QR pass (in the app) to collect it before ${p.expires}.`,
  }),
  'group-ended-refund': (p) => ({
    subject: `${p.group} ${p.status}: you will be refunded`,
    text: `${p.group} was ${p.status}. Your payment of ${p.amount} is being refunded to the card or wallet you paid with.`,
  }),
  'reservation-released': (p) => ({
    subject: `Your reservation in ${p.group} was released`,
    text: `Your reservation of ${p.quantity} in ${p.group} was released (${p.reason}). Join again if you still want it.`,
  }),
  'payment-received': (p) => ({
    subject: `Payment received for ${p.group}`,
    text: `We received ${p.amount} for ${p.quantity} x ${p.product} in ${p.group}. Reference ${p.txRef}.`,
  }),
  'payment-flagged': (p) => ({
    subject: `Payment ${p.txRef} needs review`,
    text: `Payment ${p.txRef} was not credited: ${p.reason}. Check it with: cs payments show ${p.paymentId}`,
  }),
  'refund-issued': (p) => ({
    subject: `Refund of ${p.amount}`,
    text: `We refunded ${p.amount} for ${p.group} (${p.reason}). It can take a few days to reach you.`,
  }),
  'supplier-pending': (p) => ({
    subject: `${p.organisation} is registered`,
    text: `Hi ${p.name}, ${p.organisation} is registered on ConnectSphere. Add your catalog and payout account; you can sell once an admin has verified your details.`,
  }),
  'supplier-registered': (p) => ({
    subject: `Supplier to verify: ${p.organisation}`,
    text: `${p.organisation} needs verification. Check it with: cs suppliers show ${p.id}`,
  }),
  'supplier-verified': (p) => ({
    subject: `${p.organisation} is verified`,
    text: `${p.organisation} is verified on ConnectSphere: your products can now be sold in group-buys.`,
  }),
  'supplier-rejected': (p) => ({
    subject: `${p.organisation} was not verified`,
    text: `${p.organisation} was not verified: ${p.reason}. Correct your details and we will check them again.`,
  }),
  'supplier-invite': (p) => ({
    subject: `Join ${p.organisation} on ConnectSphere`,
    text: `You are invited to ${p.organisation} on ConnectSphere. Accept before ${p.expires} with: cs supplier join --token ${p.token}`,
  }),
  // ---- invoices and payouts (issue 11: money) ----
  'invoice-issued': (p) => ({
    subject: `Invoice ${p.number} issued for ${p.order}`,
    text: `Invoice ${p.number} for ${p.order} (${p.group}) is issued: total ${p.total} incl. VAT, ${p.payable} to be paid out after the quality check, due ${p.due}. Download it with: cs supplier invoices download ${p.id}`,
  }),
  'alert-opened': (p) => ({
    subject: `[${String(p.severity).toUpperCase()}] ${p.subject}`,
    text: `${p.message}\n\nOpen since ${p.since} (seen ${p.occurrences} time(s)). Acknowledge it with cs alerts ack <id>; it resolves by itself when the condition clears.`,
  }),
  'alert-resolved': (p) => ({
    subject: `Resolved: ${p.subject}`,
    text: `The condition cleared; the alert open since ${p.since} (seen ${p.occurrences} time(s)) is resolved.\n\n${p.message}`,
  }),
  'invoice-reminder': (p) => ({
    subject: `Invoice ${p.number} of ${p.organisation} is due ${p.due}`,
    text: `Invoice ${p.number} of ${p.organisation} (${p.payable} to pay out) is due on ${p.due}, in ${p.days} day(s), and is not paid yet. Payouts: cs payouts list`,
  }),
  'payout-pending': (p) => ({
    subject: `Payout of ${p.amount} for ${p.order}`,
    text: `${p.order} passed the quality check: ${p.amount} (invoice ${p.invoice} less commission) is being sent to ${p.account}. Reference ${p.reference}.`,
  }),
  'payout-paid': (p) => ({
    subject: `Paid: ${p.amount} for ${p.order}`,
    text: `${p.amount} for ${p.order} was paid to ${p.account}. Reference ${p.reference}.`,
  }),
  'payout-failed': (p) => ({
    subject: `Payout for ${p.order} failed`,
    text: `The payout of ${p.amount} for ${p.order} to ${p.account} failed: ${p.reason}. Check your payout account; an admin has been told.`,
  }),
  // ---- purchase orders and quotes (issue 11: orders) ----
  'order-created': (p) => ({
    subject: `New order ${p.number}: ${p.quantity} x ${p.product}`,
    text: `New order ${p.number} for ${p.group}: ${p.quantity} x ${p.unit} of ${p.product}, ${p.amount}. Accept or reject it: cs supplier orders show ${p.id}`,
  }),
  'order-cancelled': (p) => ({
    subject: `Order ${p.number} cancelled`,
    text: `Order ${p.number} was cancelled (${p.reason}). Do not ship it.`,
  }),
  'order-rejected': (p) => ({
    subject: `Order ${p.number} rejected by ${p.organisation}`,
    text: `${p.organisation} rejected order ${p.number} for ${p.group}: ${p.reason}. Re-route it (cs orders route ${p.groupId} --supplier <id>), ask for quotes (cs orders request-quotes ${p.groupId}) or cancel the group, which refunds its traders (cs groups advance ${p.groupId} cancelled).`,
  }),
  'order-shipped': (p) => ({
    subject: `${p.group} is on its way`,
    text: `${p.group} has shipped with ${p.carrier}, tracking number ${p.trackingNumber}, expected ${p.eta}. We will tell you when it is ready to collect.`,
  }),
  'order-delivered': (p) => ({
    subject: `${p.group} arrived at the pickup point`,
    text: `${p.group} arrived at the pickup point and is being checked. Your pickup pass follows once it is ready to collect.`,
  }),
  'order-delivered-check': (p) => ({
    subject: `Check order ${p.number}: delivered`,
    text: `${p.organisation} delivered order ${p.number} for ${p.group}. Check it: cs orders qc ${p.id} --accept (or --issue "..." with refunds).`,
  }),
  'order-checked': (p) => ({
    subject: `Order ${p.number} passed its quality check`,
    text: `Order ${p.number} for ${p.group} passed its quality check and is ready for the traders to collect.`,
  }),
  'order-checked-issue': (p) => ({
    subject: `Order ${p.number}: quality issue recorded`,
    text: `The quality check of order ${p.number} for ${p.group} found: ${p.note}. Refunded to traders: ${p.refunded || 'nothing'}.`,
  }),
  'quote-requested': (p) => ({
    subject: `Request for quotes: ${p.quantity} x ${p.product}`,
    text: `Quote for ${p.group}: ${p.quantity} x ${p.unit} of ${p.product}, lead time ${p.leadTime}, by ${p.deadline} UTC. Submit: cs supplier quotes submit ${p.id} --unit-price <minor> --lead-time <days> --valid-until <date>`,
  }),
  'quote-declined': (p) => ({
    subject: `Your quote for ${p.group} was not chosen`,
    text: `Another quote was accepted for ${p.group}. Thank you for quoting.`,
  }),
  'pickup-collected': (p) => ({
    subject: `Collected: ${p.product}`,
    text: `You collected ${p.quantity} x ${p.unit} of ${p.product} at ${p.point}. Thank you for buying together on ConnectSphere.`,
  }),
};

/** "USD 46.20" from minor units. */
export const formatMoney = (minor: number, currency: string) =>
  `${currency} ${(minor / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

export function render(template: string, payload: Payload, locale: Locale = 'en'): { subject: string; text: string } {
  const t = (locale === 'sn' ? shona[template] : undefined) ?? templates[template];
  if (!t) throw new Error(`unknown notification template ${template}`);
  return t(payload);
}

/** Every template name, for the admin view and the test that every Shona template has an English one. */
export const templateNames = () => Object.keys(templates);
