export { ConnectSphere } from './connectsphere.ts';
export type { ClientOptions, QueryValue, RequestOptions } from './client.ts';
export { ApiError, ConnectSphereError, NetworkError, TimeoutError } from './errors.ts';
export { MemoryTokenStore, type TokenStore, type Tokens } from './tokens.ts';
export { paginate, type Page } from './paginate.ts';
export { VERSION } from './version.ts';
export type {
  AuthSession,
  Category,
  Components,
  components,
  Health,
  Jwks,
  Location,
  LoginRequest,
  Money,
  operations,
  paths,
  Preferences,
  Problem,
  Profile,
  ProfileUpdate,
  Readiness,
  RegisterRequest,
  Role,
  User,
  UserDetail,
  UserListQuery,
  UserPage,
  UserUpdate,
} from './types.ts';
