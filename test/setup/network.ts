import nock from 'nock';

// No test may reach outside this machine: third-party HTTP is mocked with nock, loopback is allowed.
nock.disableNetConnect();
nock.enableNetConnect((host) => /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(host));
