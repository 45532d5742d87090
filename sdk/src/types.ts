// Every schema type is an alias of the generated `components` (from openapi.yaml via
// `npm run generate`), never a hand-written copy.
import type { components, operations, paths } from './schema.d.ts';

export type { components, operations, paths };
export type Components = components;
type Schemas = components['schemas'];

export type Problem = Schemas['Problem'];
export type Health = Schemas['Health'];
export type Readiness = Schemas['Readiness'];
export type Jwks = Schemas['Jwks'];
export type Role = Schemas['Role'];
export type Location = Schemas['Location'];
export type Category = Schemas['Category'];
export type Money = Schemas['Money'];
export type Preferences = Schemas['Preferences'];
export type Profile = Schemas['Profile'];
export type ProfileUpdate = Schemas['ProfileUpdate'];
export type RegisterRequest = Schemas['RegisterRequest'];
export type LoginRequest = Schemas['LoginRequest'];
export type AuthSession = Schemas['AuthSession'];
export type User = Schemas['User'];
export type UserDetail = Schemas['UserDetail'];
export type UserUpdate = Schemas['UserUpdate'];
export type UserPage = Schemas['UserPage'];
/** The query of `GET /api/admin/users`. */
export type UserListQuery = NonNullable<operations['listUsers']['parameters']['query']>;

// What the typed `call` needs to read an operation out of `paths`: its methods, parameters,
// request body and success body. The namespaces are checked against the spec through these.

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head';
/** The methods the spec defines on a path. */
export type MethodsOf<P extends keyof paths> = {
  [M in HttpMethod]: paths[P][M] extends undefined ? never : M;
}[HttpMethod];
export type OperationOf<P extends keyof paths, M extends HttpMethod> = Exclude<paths[P][M], undefined>;

type JsonContent<R> = R extends { content: { 'application/json': infer T } } ? T : undefined;
type SuccessStatus = 200 | 201 | 202 | 203 | 204;
/** The JSON body of an operation's 2xx responses (undefined for 204). */
export type SuccessBody<O> = O extends { responses: infer R }
  ? { [S in keyof R & SuccessStatus]: JsonContent<R[S]> }[keyof R & SuccessStatus]
  : never;
type JsonBodyOf<R> = [R] extends [never] ? never : R extends { content: { 'application/json': infer B } } ? B : never;
type RequestBody<O> = O extends { requestBody?: infer R } ? JsonBodyOf<NonNullable<R>> : never;
type BodyRequired<O> = O extends { requestBody: { content: unknown } } ? true : false;
type PathParams<O> = O extends { parameters: { path: infer P } } ? P : never;
type QueryParams<O> = O extends { parameters: { query?: infer Q } } ? Q : never;

/** Path parameters and body are required exactly when the operation has them. */
export type OperationInput<O> = ([PathParams<O>] extends [never] ? { path?: never } : { path: PathParams<O> }) &
  ([RequestBody<O>] extends [never]
    ? { body?: never }
    : BodyRequired<O> extends true
      ? { body: RequestBody<O> }
      : { body?: RequestBody<O> }) &
  ([QueryParams<O>] extends [never | undefined] ? { query?: never } : { query?: QueryParams<O> });
