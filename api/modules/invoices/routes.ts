import type { FastifyReply } from 'fastify';
import type { AppContext } from '../../context.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { organisationOf } from '../suppliers/membership.ts';
import { renderInvoicePdf } from './pdf.ts';
import { getInvoice, listInvoices } from './service.ts';

/** The organisation's invoices (/api/supplier/invoices*) and the PDF (its supplier or an admin). */
export function invoiceHandlers(ctx: AppContext) {
  return {
    listSupplierInvoices: async (req) => listInvoices(ctx.db, await organisationOf(ctx, req), req.query),
    getSupplierInvoice: async (req) => getInvoice(ctx.db, await organisationOf(ctx, req), req.params.id),
    getInvoicePdf: async (req, reply) => {
      // Admins read any organisation's invoice; everyone else (a supplier, an API key) only their own.
      const actor = req.user?.role === 'admin' ? null : await organisationOf(ctx, req);
      const invoice = await getInvoice(ctx.db, actor, req.params.id);
      const pdf = await renderInvoicePdf(invoice);
      // Sent as untyped bytes (the spec's body is binary), as the QR images are.
      return (reply as FastifyReply)
        .type('application/pdf')
        .header('content-disposition', `inline; filename="${invoice.number}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(pdf);
    },
  } satisfies SomeHandlers;
}
