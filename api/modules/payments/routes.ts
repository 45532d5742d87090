import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { notFound } from '../../errors.ts';
import type { SomeHandlers } from '../../openapi/contract.ts';
import { currentUser } from '../../plugins/auth.ts';
import { idempotent } from '../idempotency/idempotency.ts';
import { checkoutSummary } from './checkout-summary.ts';
import { outcomeMessages, returnPage } from './pages.ts';
import { completeSandboxCheckout, findSandboxTransaction, renderCheckoutPage } from './providers/index.ts';
import * as pay from './service.ts';

export function paymentHandlers(app: FastifyInstance, ctx: AppContext) {
  const sandboxOnly = () => {
    if (ctx.config.payments.provider !== 'sandbox') throw notFound('The sandbox checkout (PAYMENT_PROVIDER is not sandbox)');
  };
  return {
    initializePayment: async (req, reply) =>
      idempotent(ctx, req, reply, 'initializePayment', async () => ({
        status: 201,
        body: await pay.initializePayment(ctx, currentUser(req), req.body),
      })),
    finalizePayment: async (req, reply) =>
      idempotent(ctx, req, reply, 'finalizePayment', async () => {
        const { txRef, transactionId } = req.body;
        return { status: 200, body: await pay.finalizePayment(ctx, currentUser(req), txRef, transactionId) };
      }),
    paymentReturnPage: async (req, reply) => {
      const q = req.query;
      const { outcome } = await pay.verifyAndApply(ctx, q.tx_ref, q.transaction_id);
      if (outcome === 'unknown_tx_ref') throw notFound(`Payment ${q.tx_ref}`);
      const [title, message] = outcomeMessages[outcome]!;
      return reply.type('text/html; charset=utf-8').code(200).send(returnPage(title, message, q.tx_ref));
    },
    flutterwaveWebhook: async (req) => pay.handleFlutterwaveWebhook(ctx, req.headers['verif-hash'], req.body, req.log),
    sandboxCheckoutPage: async (req, reply) => {
      sandboxOnly();
      const tx = await findSandboxTransaction(ctx.db, req.params.txRef);
      if (!tx) throw notFound('Sandbox checkout');
      const summary = await checkoutSummary(ctx.db, tx.txRef);
      return reply.type('text/html; charset=utf-8').code(200).send(renderCheckoutPage(tx, summary));
    },
    sandboxCheckoutSubmit: async (req, reply) => {
      sandboxOnly();
      const { txRef } = req.params;
      const { action } = req.body;
      const { webhook, redirectTo } = await completeSandboxCheckout(ctx.db, txRef, action, ctx.config.payments.secretHash);
      // The sandbox sends the same signed webhook Flutterwave would, to our own receiver.
      const delivered = await app.inject({ method: 'POST', url: '/api/payments/webhook/flutterwave', headers: webhook.headers, payload: webhook.body });
      if (delivered.statusCode !== 200) req.log.error({ status: delivered.statusCode, body: delivered.body }, 'sandbox webhook was refused');
      return reply.header('location', redirectTo).code(303).send();
    },
    listPayments: async (req) => pay.listPayments(ctx, currentUser(req), req.query),
    getPayment: async (req) => pay.getPayment(ctx, currentUser(req), req.params.id),
    refundPayment: async (req, reply) =>
      idempotent(ctx, req, reply, 'refundPayment', async () => ({
        status: 200,
        body: await pay.refundPayment(ctx, req.params.id, req.body.reason, req.log),
      })),
  } satisfies SomeHandlers;
}
