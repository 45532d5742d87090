import nock from 'nock';
import { MockAgent, setGlobalDispatcher } from 'undici';

// No test may reach outside this machine: third-party HTTP is mocked, loopback is allowed.
// nock guards node:http and the global fetch...
nock.disableNetConnect();
nock.enableNetConnect((host) => /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host));

// ...and undici's own request() (used by the SDK and the Flutterwave checkout call) goes through
// undici's global dispatcher, which nock cannot see: make that one refuse non-loopback hosts too.
const guard = new MockAgent();
guard.disableNetConnect();
guard.enableNetConnect(/^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/);
setGlobalDispatcher(guard);
