// What makes `cs dashboard` redraw at once: events on the admin channel of the WebSocket (every
// event of the platform reaches it). Only kinds that change what the dashboard shows count.
import type { ConnectSphere, RealtimeEvent } from '@connectsphere/sdk';

const shown = /^(group|payment|pass|refund|alert|ml)\./;

export function adminChanges(client: ConnectSphere) {
  return (notify: () => void, onState: (up: boolean) => void): (() => void) => {
    const rt = client.realtime({ channels: ['admin'] });
    rt.on('event', (e: RealtimeEvent) => {
      if (shown.test(e.type)) notify();
    });
    // After a gap the client resumes; a resync means events were missed: read everything again.
    rt.on('resync', () => notify());
    rt.on('state', (state) => onState(state === 'open'));
    rt.on('error', () => onState(false));
    rt.connect().catch(() => onState(false));
    return () => rt.close();
  };
}
