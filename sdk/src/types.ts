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
/** A location as sent in a request: `city` defaults to Harare. */
export type LocationInput = Input<Location>;
export type Category = Schemas['Category'];
export type Money = Schemas['Money'];
export type Preferences = Schemas['Preferences'];
export type Profile = Schemas['Profile'];
export type ProfileUpdate = Input<Schemas['ProfileUpdate']>;
export type RegisterRequest = Input<Schemas['RegisterRequest']>;
export type LoginRequest = Schemas['LoginRequest'];
export type AuthSession = Schemas['AuthSession'];
export type User = Schemas['User'];
export type UserDetail = Schemas['UserDetail'];
export type StaffPickupPoints = Schemas['StaffPickupPoints'];
export type UserUpdate = Schemas['UserUpdate'];
export type UserPage = Schemas['UserPage'];
/** The query of `GET /api/admin/users`. */
export type UserListQuery = NonNullable<operations['listUsers']['parameters']['query']>;

// Catalog
export type Currency = Schemas['Currency'];
export type PriceTier = Schemas['PriceTier'];
export type Product = Schemas['Product'];
export type ProductCreate = Input<Schemas['ProductCreate']>;
export type ProductUpdate = Schemas['ProductUpdate'];
export type ProductPage = Schemas['ProductPage'];
/** The query of `GET /api/products`. */
export type ProductListQuery = NonNullable<operations['listProducts']['parameters']['query']>;

// Pickup points and passes
export type PickupPoint = Schemas['PickupPoint'];
export type PickupPointCreate = Schemas['PickupPointCreate'];
/** The body of `GET /api/pickup-points`: every pickup point, `{ items }`. */
export type PickupPointList = JsonOf<operations['listPickupPoints']['responses'][200]>;
export type PickupPass = Schemas['PickupPass'];
/** The body of `GET /api/qr/passes`: the caller's passes, newest first, `{ items }`. */
export type PickupPassList = JsonOf<operations['listMyPasses']['responses'][200]>;
export type ScanResult = Schemas['ScanResult'];
export type RedeemRequest = Schemas['RedeemRequest'];
export type Redemption = Schemas['Redemption'];

// Groups and contributions
export type GroupStatus = Schemas['GroupStatus'];
export type Group = Schemas['Group'];
export type GroupCreate = Input<Schemas['GroupCreate']>;
export type GroupUpdate = Schemas['GroupUpdate'];
export type GroupTransition = Schemas['GroupTransition'];
export type GroupPage = Schemas['GroupPage'];
/** The query of `GET /api/groups`. */
export type GroupListQuery = NonNullable<operations['listGroups']['parameters']['query']>;
export type JoinRequest = Schemas['JoinRequest'];
export type ContributionStatus = Schemas['ContributionStatus'];
export type Contribution = Schemas['Contribution'];
export type ContributionUpdate = Schemas['ContributionUpdate'];
export type ContributionPage = Schemas['ContributionPage'];
/** The query of `GET /api/contributions`. */
export type ContributionListQuery = NonNullable<operations['listMyContributions']['parameters']['query']>;

// Payments
export type PaymentStatus = Schemas['PaymentStatus'];
export type Payment = Schemas['Payment'];
export type PaymentInitialize = Input<Schemas['PaymentInitialize']>;
export type PaymentFinalize = Schemas['PaymentFinalize'];
export type PaymentPage = Schemas['PaymentPage'];
/** The query of `GET /api/payments`. */
export type PaymentListQuery = NonNullable<operations['listPayments']['parameters']['query']>;
export type Refund = Schemas['Refund'];
export type RefundRequest = Schemas['RefundRequest'];
/** A Flutterwave webhook body, as Flutterwave sends it. */
export type FlutterwaveWebhook = Schemas['FlutterwaveWebhook'];
/** The `data` of a Flutterwave webhook: `id`, `tx_ref`, `amount` (major units), `currency`, `status`. */
export type FlutterwaveWebhookData = NonNullable<FlutterwaveWebhook['data']>;
export type WebhookAck = Schemas['WebhookAck'];

// Jobs
export type JobName = Schemas['JobName'];
export type JobRun = Schemas['JobRun'];
export type Backup = Schemas['Backup'];
export type BackupList = Schemas['BackupList'];
export type Job = Schemas['Job'];
/** The body of `GET /api/admin/jobs`: every job with its latest run, `{ items }`. */
export type JobList = JsonOf<operations['listJobs']['responses'][200]>;

// Recommendations
export type Recommendation = Schemas['Recommendation'];
/** Recommendations, best first, with the model version and the trader's A/B variant. */
export type RecommendationList = Schemas['RecommendationList'];
/** The query of `GET /api/ml/recommendations`. */
export type RecommendationQuery = NonNullable<operations['getRecommendations']['parameters']['query']>;
/** The query of `GET /api/admin/ml/recommendations`: the trader by `userId` or `email`. */
export type RecommendationPreviewQuery = NonNullable<operations['previewRecommendations']['parameters']['query']>;
/** The body of `POST /api/admin/ml/train`: `activate` defaults to if_better. */
export type TrainRequest = Input<Schemas['TrainRequest']>;
export type TrainingRun = Schemas['TrainingRun'];
export type TrainingRunStatus = TrainingRun['status'];
export type ModelVersion = Schemas['ModelVersion'];
/** The body of `GET /api/admin/ml/models`: every version, newest first, `{ items }`. */
export type ModelList = JsonOf<operations['listModels']['responses'][200]>;
/** The body of `POST /api/admin/ml/evaluate`: `version` defaults to the active one, `k` to 10. */
export type EvaluateRequest = NonNullable<JsonBodyOf<NonNullable<operations['evaluateModel']['requestBody']>>>;
export type Evaluation = Schemas['Evaluation'];
export type ModelHealth = Schemas['ModelHealth'];
export type ExperimentReport = Schemas['ExperimentReport'];
/** One A/B variant's row of the experiment report. */
export type ExperimentVariant = ExperimentReport['variants'][number];

// Request bodies. openapi-typescript makes a property with a `default` required (right for a
// response, where the server fills it in), so a request type would demand what the API defaults.
// `Input<T>` makes those properties optional again, wherever the schema appears in a body.

/**
 * The request-body properties that have a `default` in openapi.yaml, by schema. A test
 * (test/sdk/request-defaults.test.ts) keeps this equal to the spec.
 */
export const requestDefaults = {
  Location: ['city'],
  ProductCreate: ['currency'],
  GroupCreate: ['minPerTrader', 'status'],
  PaymentInitialize: ['paymentMethod'],
  TrainRequest: ['activate'],
  WebhookEndpointCreate: ['enabled'],
} as const satisfies { [N in keyof Schemas]?: readonly (keyof Schemas[N])[] };
type Defaulted = typeof requestDefaults;

/** The schema T is exactly (mutual assignability), among those with defaults. */
type DefaultedSchema<T> = {
  [N in keyof Defaulted]: [T] extends [Schemas[N]] ? ([Schemas[N]] extends [T] ? N : never) : never;
}[keyof Defaulted];
type Optional<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>;
type Flat<T> = { [K in keyof T]: T[K] } & {};

/** A schema as a request may send it: properties the server defaults are optional, at any depth. */
export type Input<T> = T extends readonly (infer U)[]
  ? Input<U>[]
  : T extends object
    ? [DefaultedSchema<T>] extends [never]
      ? { [K in keyof T]: Input<T[K]> }
      : Flat<Optional<{ [K in keyof T]: Input<T[K]> }, Defaulted[DefaultedSchema<T>][number] & keyof T>>
    : T;

// What the typed `call` needs to read an operation out of `paths`: its methods, parameters,
// request body and success body. The namespaces are checked against the spec through these.

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head';
/** The methods the spec defines on a path. */
export type MethodsOf<P extends keyof paths> = {
  [M in HttpMethod]: paths[P][M] extends undefined ? never : M;
}[HttpMethod];
export type OperationOf<P extends keyof paths, M extends HttpMethod> = Exclude<paths[P][M], undefined>;

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never;
/**
 * What the transport returns for a response: parsed JSON, a string for SVG and other text, bytes
 * (`Uint8Array`) for binary images, undefined for no content.
 */
type ContentBody<C> = 'application/json' extends keyof C
  ? C['application/json']
  : [keyof C & string] extends [never]
    ? undefined
    : [Exclude<Extract<keyof C, BinaryContentType>, 'image/svg+xml'>] extends [never]
      ? string
      : Uint8Array;
/** Kept in step with `isBinary` in client.ts. */
type BinaryContentType = `image/${string}` | `audio/${string}` | `video/${string}` | 'application/octet-stream' | 'application/pdf' | 'application/zip';
type JsonContent<R> = R extends { content: infer C } ? ContentBody<C> : undefined;
type SuccessStatus = 200 | 201 | 202 | 203 | 204;
/** The JSON body of an operation's 2xx responses (undefined for 204). */
export type SuccessBody<O> = O extends { responses: infer R }
  ? { [S in keyof R & SuccessStatus]: JsonContent<R[S]> }[keyof R & SuccessStatus]
  : never;
type JsonBodyOf<R> = [R] extends [never] ? never : R extends { content: { 'application/json': infer B } } ? B : never;
type RequestBody<O> = O extends { requestBody?: infer R } ? Input<JsonBodyOf<NonNullable<R>>> : never;
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

// Supplier organisations
export type SupplierStatus = Schemas['SupplierStatus'];
export type PayoutAccount = Schemas['PayoutAccount'];
export type Invoice = Schemas['Invoice'];
export type InvoicePage = Schemas['InvoicePage'];
export type InvoiceListQuery = NonNullable<operations['listSupplierInvoices']['parameters']['query']>;
export type Payout = Schemas['Payout'];
export type PayoutPage = Schemas['PayoutPage'];
export type PayoutListQuery = NonNullable<operations['listSupplierPayouts']['parameters']['query']>;
export type AdminPayoutListQuery = NonNullable<operations['listAdminPayouts']['parameters']['query']>;
export type SupplierAnalytics = Schemas['SupplierAnalytics'];
export type WebhookEndpoint = Schemas['WebhookEndpoint'];
export type WebhookEndpointCreate = Input<Schemas['WebhookEndpointCreate']>;
export type WebhookEndpointCreated = Schemas['WebhookEndpointCreated'];
export type WebhookEndpointUpdate = Schemas['WebhookEndpointUpdate'];
export type WebhookEndpointList = Schemas['WebhookEndpointList'];
export type WebhookDelivery = Schemas['WebhookDelivery'];
export type WebhookDeliveryPage = Schemas['WebhookDeliveryPage'];
export type WebhookDeliveryStatus = Schemas['WebhookDeliveryStatus'];
export type WebhookDeliveryQuery = NonNullable<operations['listSupplierWebhookDeliveries']['parameters']['query']>;
export type SupplierAnalyticsQuery = NonNullable<operations['getSupplierAnalytics']['parameters']['query']>;
export type SupplierOrganisation = Schemas['SupplierOrganisation'];
export type SupplierOrganisationPage = Schemas['SupplierOrganisationPage'];
export type SupplierOrganisationUpdate = Schemas['SupplierOrganisationUpdate'];
export type SupplierRegistration = Schemas['SupplierRegistration'];
export type SupplierSession = Schemas['SupplierSession'];
export type SupplierMembers = Schemas['SupplierMembers'];
export type SupplierInviteRequest = Schemas['SupplierInviteRequest'];
export type SupplierInviteCreated = Schemas['SupplierInviteCreated'];
export type SupplierInviteAcceptance = Schemas['SupplierInviteAcceptance'];
/** The query of `GET /api/admin/suppliers`. */
export type SupplierListQuery = NonNullable<operations['listSuppliers']['parameters']['query']>;

// Notifications
export type NotificationStatus = Schemas['NotificationStatus'];
export type NotificationSettings = Schemas['NotificationSettings'];
export type InboxMessage = Schemas['InboxMessage'];
export type InboxPage = Schemas['InboxPage'];
export type OutboxNotification = Schemas['OutboxNotification'];
export type OutboxPage = Schemas['OutboxPage'];
/** The query of `GET /api/notifications`. */
export type InboxQuery = NonNullable<operations['listInbox']['parameters']['query']>;
/** The query of `GET /api/admin/notifications`. */
export type OutboxQuery = NonNullable<operations['listNotifications']['parameters']['query']>;

// The organisation's own catalog, its CSV import and images; ratings after pickup
export type SupplierProductCreate = Schemas['SupplierProductCreate'];
export type SupplierProductUpdate = Schemas['SupplierProductUpdate'];
/** The query of `GET /api/supplier/products`. */
export type SupplierProductListQuery = NonNullable<operations['listSupplierProducts']['parameters']['query']>;
export type ProductImportSummary = Schemas['ProductImportSummary'];
export type ProductImportRowError = Schemas['ProductImportRowError'];
/** The 422 problem of a CSV import with wrong rows: `rows` lists each with its line and errors. */
export type ProductImportProblem = Schemas['ProductImportProblem'];
/** The media types an image upload takes. */
export type ImageType = 'image/png' | 'image/jpeg' | 'image/webp';
export type RatingCreate = Schemas['RatingCreate'];
export type Rating = Schemas['Rating'];

// Purchase orders and quotes (cs.supplier.orders, cs.supplier.quotes, cs.admin.orders, cs.admin.quotes)
export type OrderStatus = Schemas['OrderStatus'];
export type SupplierOrder = Schemas['SupplierOrder'];
export type SupplierOrderPage = Schemas['SupplierOrderPage'];
export type GroupOrder = Schemas['GroupOrder'];
export type OrderShipment = Schemas['OrderShipment'];
export type QualityCheck = Schemas['QualityCheck'];
export type QuoteRequest = Schemas['QuoteRequest'];
export type QuoteRequestCreate = Schemas['QuoteRequestCreate'];
export type QuoteRequestWithQuotes = Schemas['QuoteRequestWithQuotes'];
export type Quote = Schemas['Quote'];
export type QuoteSubmission = Schemas['QuoteSubmission'];
export type SupplierQuoteRequestList = Schemas['SupplierQuoteRequestList'];
export type SupplierOrderListQuery = NonNullable<operations['listSupplierOrders']['parameters']['query']>;
export type AdminOrderListQuery = NonNullable<operations['listOrders']['parameters']['query']>;
// Group chat
export type ChatAuthor = Schemas['ChatAuthor'];
export type ChatImage = Schemas['ChatImage'];
export type ChatMessage = Schemas['ChatMessage'];
export type ChatMessagePage = Schemas['ChatMessagePage'];
export type ChatMessageCreate = Schemas['ChatMessageCreate'];
export type ChatImageUpload = Schemas['ChatImageUpload'];
export type ChatMute = Schemas['ChatMute'];
export type ChatMuteList = Schemas['ChatMuteList'];
export type ChatReport = Schemas['ChatReport'];
export type ChatReportPage = Schemas['ChatReportPage'];
export type ChatReportResolve = Schemas['ChatReportResolve'];
export type ChatReportStatus = Schemas['ChatReportStatus'];
/** The query of `GET /api/groups/{id}/chat/messages`. */
export type ChatMessageQuery = NonNullable<operations['listChatMessages']['parameters']['query']>;
/** The query of `GET /api/admin/chat/reports`. */
export type ChatReportQuery = NonNullable<operations['listChatReports']['parameters']['query']>;
// Live dashboard
export type DashboardActivity = Schemas['DashboardActivity'];
// API keys (cs.supplier.keys) and outbound webhooks
export type ApiKeyScope = Schemas['ApiKeyScope'];
export type ApiKey = Schemas['ApiKey'];
export type ApiKeyCreate = Schemas['ApiKeyCreate'];
export type ApiKeyCreated = Schemas['ApiKeyCreated'];
export type ApiKeyList = Schemas['ApiKeyList'];
export type Alert = Schemas['Alert'];
export type AlertPage = Schemas['AlertPage'];
export type AlertRule = Schemas['AlertRule'];
export type AlertSeverity = Schemas['AlertSeverity'];
export type AlertListQuery = NonNullable<operations['listAlerts']['parameters']['query']>;
