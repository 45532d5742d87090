/** The pair the API issues at register, login and refresh. */
export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/**
 * Where the client keeps its tokens. Implement it to persist a session (a file, the OS keychain,
 * a browser's storage); `set(undefined)` means signed out.
 */
export interface TokenStore {
  get(): Tokens | undefined | Promise<Tokens | undefined>;
  set(tokens: Tokens | undefined): void | Promise<void>;
}

/** Keeps tokens in memory for the life of the process (the default). */
export class MemoryTokenStore implements TokenStore {
  #tokens: Tokens | undefined;

  constructor(initial?: Tokens) {
    this.#tokens = initial;
  }

  get(): Tokens | undefined {
    return this.#tokens;
  }

  set(tokens: Tokens | undefined): void {
    this.#tokens = tokens;
  }
}
