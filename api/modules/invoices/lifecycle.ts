import { invoices } from '../../db/schema.ts';
import { StateMachine } from '../../db/state-machine.ts';

export type InvoiceStatus = (typeof invoices.$inferSelect)['status'];

/** An invoice is paid when its payout is; it is overdue once its due date passes unpaid. */
export const invoiceLifecycle = new StateMachine<InvoiceStatus, typeof invoices>('invoice', invoices, {
  issued: { paid: 'its payout was paid', overdue: 'its due date passed (invoice-reminders job)' },
  overdue: { paid: 'its payout was paid' },
  paid: {},
});
