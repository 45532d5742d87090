import type { Queryable } from '../../db/client.ts';
import { domainEvents } from '../../db/schema.ts';

export interface DomainEvent {
  /** Dotted name, e.g. order.created, quote.requested, invoice.issued, payout.paid, supplier.verified. */
  type: string;
  /** The organisation the event belongs to (its webhooks receive it); omit for platform-wide events. */
  supplierId?: string | null;
  groupId?: string | null;
  userId?: string | null;
  data: Record<string, unknown>;
}

/**
 * Records what happened, inside the caller's transaction: the event exists exactly when the change
 * it describes committed. Outbound webhooks and real-time subscribers read this one feed.
 */
export async function recordEvent(tx: Queryable, event: DomainEvent): Promise<void> {
  await recordEvents(tx, [event]);
}

/** The same for many events of one change (a CSV import of thousands of products), a thousand per statement. */
export async function recordEvents(tx: Queryable, events: DomainEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 1000) {
    await tx.insert(domainEvents).values(
      events.slice(i, i + 1000).map((event) => ({
        type: event.type,
        supplierId: event.supplierId ?? null,
        groupId: event.groupId ?? null,
        userId: event.userId ?? null,
        data: event.data,
      })),
    );
  }
}
