import type { Transport } from '../client.ts';
import type { AuthSession, LoginRequest, RegisterRequest, User } from '../types.ts';

/** Registration, sign-in and the session's tokens. Every method that returns a session stores its tokens. */
export class AuthResource {
  constructor(private readonly t: Transport) {}

  /** Creates a trader account and signs in. */
  async register(body: RegisterRequest): Promise<AuthSession> {
    return this.t.storeSession(await this.t.call('post', '/api/auth/register', { body, auth: false }));
  }

  async login(body: LoginRequest): Promise<AuthSession> {
    return this.t.storeSession(await this.t.call('post', '/api/auth/login', { body, auth: false }));
  }

  /** Exchanges the stored refresh token for a new pair (the client also does this by itself on a 401). */
  refresh(): Promise<AuthSession> {
    return this.t.refreshSession();
  }

  /** Revokes the stored session on the server and clears the store (cleared even if the server call fails). */
  async logout(): Promise<void> {
    const tokens = await this.t.getTokens();
    try {
      if (tokens) await this.t.call('post', '/api/auth/logout', { body: { refreshToken: tokens.refreshToken }, auth: false });
    } finally {
      await this.t.setTokens(undefined);
    }
  }

  me(): Promise<User> {
    return this.t.call('get', '/api/auth/me', {});
  }
}
