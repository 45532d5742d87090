import { idempotencyKeyOf, type IdempotentOptions, type Transport } from '../client.ts';
import type { PickupPass, PickupPassList, RedeemRequest, Redemption, ScanResult } from '../types.ts';

/** QR pickup passes: traders hold them, staff at pickup points scan and redeem them. */
export class QrResource {
  constructor(private readonly t: Transport) {}

  /** The caller's passes, newest first, as `{ items }`. A pass is issued per paid contribution once its group is ready for pickup. */
  passes(): Promise<PickupPassList> {
    return this.t.call('get', '/api/qr/passes', {});
  }

  /** A pass's QR code as PNG bytes (its holder, staff or admins). */
  png(id: string): Promise<Uint8Array> {
    return this.t.call('get', '/api/qr/passes/{id}.png', { path: { id }, headers: { accept: 'image/png, application/problem+json' } });
  }

  /** A pass's QR code as an SVG document (its holder, staff or admins). */
  svg(id: string): Promise<string> {
    return this.t.call('get', '/api/qr/passes/{id}.svg', { path: { id }, headers: { accept: 'image/svg+xml, application/problem+json' } });
  }

  /** Staff and admins: checks a scanned token and says what to hand over and whether it is `redeemable` now. */
  scan(token: string): Promise<ScanResult> {
    return this.t.call('get', '/api/qr/scan/{token}', { path: { token } });
  }

  /**
   * Staff and admins: hands the goods over and marks the pass used, exactly once. A second redeem
   * is ApiError 409 saying when and where it was used; a retry of the same call (same
   * Idempotency-Key) gets the first answer back.
   */
  redeem(passId: string, body: RedeemRequest = {}, options?: IdempotentOptions): Promise<Redemption> {
    return this.t.call('post', '/api/qr/mark-used/{qrId}', { path: { qrId: passId }, body, idempotencyKey: idempotencyKeyOf(options) });
  }

  /** Admins: issues a new pass for the same goods and revokes the old one (a lost phone, say). */
  reissue(passId: string): Promise<PickupPass> {
    return this.t.call('post', '/api/admin/qr/passes/{id}/reissue', { path: { id: passId } });
  }
}
