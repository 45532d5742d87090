import type { Transport } from '../client.ts';
import type { Preferences, Profile, ProfileUpdate } from '../types.ts';

/** The signed-in user's own preferences and profile. */
export class UsersResource {
  constructor(private readonly t: Transport) {}

  /** Throws ApiError 404 while none are saved. */
  getPreferences(): Promise<Preferences> {
    return this.t.call('get', '/api/users/me/preferences', {});
  }

  /** Replaces the preferences (and re-evaluates the trader's segment). */
  updatePreferences(preferences: Preferences): Promise<Preferences> {
    return this.t.call('put', '/api/users/me/preferences', { body: preferences });
  }

  getProfile(): Promise<Profile> {
    return this.t.call('get', '/api/users/me/profile', {});
  }

  /** Replaces the profile. */
  updateProfile(profile: ProfileUpdate): Promise<Profile> {
    return this.t.call('put', '/api/users/me/profile', { body: profile });
  }
}
