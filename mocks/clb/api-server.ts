/**
 * Tencent Cloud API 3.0 over HTTP in front of the simulator: `POST /` with a JSON body and the `X-TC-*`
 * headers, TC3-HMAC-SHA256 signatures verified against configured keys, answers in `{"Response": …}`
 * envelopes, errors shaped as the real API shapes them (HTTP 200 with `Response.Error`). The real SDK
 * client talks to it exactly as it would to clb/vpc/tag.tencentcloudapi.com.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ClbSimulator } from './simulator.js';

export interface ApiKey {
  readonly secretId: string;
  readonly secretKey: string;
  /** Set for temporary credentials: requests must carry it as X-TC-Token. */
  readonly token?: string;
}

export interface ApiServerOptions {
  readonly simulator: ClbSimulator;
  readonly keys: readonly ApiKey[];
  /** Signatures older or newer than this are refused (the real API allows 5 minutes). */
  readonly maxClockSkewSeconds?: number;
  readonly now?: () => number;
}

export interface RunningApiServer {
  readonly port: number;
  /** `host:port` for the SDK's endpoint option. */
  readonly address: string;
  close(): Promise<void>;
}

class ApiRefusal extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** API versions identify the service a request is for. */
const SERVICES: Record<string, 'clb' | 'vpc' | 'tag'> = { '2018-03-17': 'clb', '2017-03-12': 'vpc', '2018-08-13': 'tag' };

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function parseAuthorization(value: string | undefined) {
  const match = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(value ?? '');
  if (!match) throw new ApiRefusal('AuthFailure.InvalidAuthorization', 'The Authorization header is missing or not a TC3-HMAC-SHA256 authorization.');
  const [, secretId, date, service, signedHeaders, signature] = match as unknown as [string, string, string, string, string, string];
  return { secretId, date, service, signedHeaders: signedHeaders.split(';'), signature };
}

/** Verifies a TC3-HMAC-SHA256 signature over the request exactly as received. */
function verifySignature(req: IncomingMessage, body: Buffer, options: ApiServerOptions): { service: string } {
  const auth = parseAuthorization(header(req, 'Authorization'));
  const key = options.keys.find((k) => k.secretId === auth.secretId);
  if (!key) throw new ApiRefusal('AuthFailure.SecretIdNotFound', 'The SecretId is not found; check that it is correct and enabled.');
  const timestamp = Number(header(req, 'X-TC-Timestamp'));
  if (!Number.isInteger(timestamp)) throw new ApiRefusal('MissingParameter', 'The request is missing a valid X-TC-Timestamp header.');
  const nowSeconds = Math.floor((options.now ?? Date.now)() / 1000);
  const skew = options.maxClockSkewSeconds ?? 300;
  if (Math.abs(nowSeconds - timestamp) > skew) {
    throw new ApiRefusal('AuthFailure.SignatureExpire', `Signature expired: the request timestamp ${timestamp} is more than ${skew} seconds from the server time ${nowSeconds}; check the clock.`);
  }
  if (new Date(timestamp * 1000).toISOString().slice(0, 10) !== auth.date) {
    throw new ApiRefusal('AuthFailure.SignatureFailure', 'The credential scope date does not match X-TC-Timestamp.');
  }
  if (!auth.signedHeaders.includes('content-type') || !auth.signedHeaders.includes('host')) {
    throw new ApiRefusal('AuthFailure.SignatureFailure', 'SignedHeaders must include content-type and host.');
  }
  const canonicalHeaders = auth.signedHeaders
    .map((name) => `${name}:${name === 'host' ? (header(req, 'Host') ?? '').replace(/:\d+$/, '') : (header(req, name) ?? '').trim()}\n`)
    .join('');
  const canonicalRequest = [req.method, '/', '', canonicalHeaders, auth.signedHeaders.join(';'), sha256Hex(body)].join('\n');
  const scope = `${auth.date}/${auth.service}/tc3_request`;
  const stringToSign = ['TC3-HMAC-SHA256', String(timestamp), scope, sha256Hex(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(`TC3${key.secretKey}`, auth.date), auth.service), 'tc3_request');
  const expected = Buffer.from(createHmac('sha256', signingKey).update(stringToSign).digest('hex'));
  const given = Buffer.from(auth.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new ApiRefusal('AuthFailure.SignatureFailure', 'The provided credentials could not be validated: the signature does not match. Check the SecretKey.');
  }
  if (key.token !== undefined && header(req, 'X-TC-Token') !== key.token) {
    throw new ApiRefusal('AuthFailure.TokenFailure', 'The temporary credential token is missing or invalid.');
  }
  return { service: auth.service };
}

function target(simulator: ClbSimulator, service: string, action: string): (req: unknown) => Promise<unknown> {
  const api: Record<string, unknown> = service === 'clb' ? (simulator as unknown as Record<string, unknown>) : (simulator[service as 'vpc' | 'tag'] as unknown as Record<string, unknown>);
  // Only the API's PascalCase actions are reachable: never the simulator's helpers.
  const method = /^[A-Z][A-Za-z0-9]+$/.test(action) ? api[action] : undefined;
  if (typeof method !== 'function') throw new ApiRefusal('InvalidAction', `The action ${action} does not exist for ${service}.`);
  return (req) => (method as (r: unknown) => Promise<unknown>).call(api, req);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function answer(req: IncomingMessage, options: ApiServerOptions): Promise<{ Response: Record<string, unknown> }> {
  const requestId = randomUUID();
  try {
    if (req.method !== 'POST' || (req.url ?? '/') !== '/') throw new ApiRefusal('UnsupportedOperation', 'Only POST / is supported.');
    const body = await readBody(req);
    const contentType = header(req, 'Content-Type') ?? '';
    if (!contentType.startsWith('application/json')) throw new ApiRefusal('InvalidParameter', `Content-Type ${contentType} is not supported; use application/json.`);
    const action = header(req, 'X-TC-Action');
    if (!action) throw new ApiRefusal('MissingParameter', 'The request is missing the X-TC-Action header.');
    const version = header(req, 'X-TC-Version') ?? '';
    const service = SERVICES[version];
    if (!service) throw new ApiRefusal('NoSuchVersion', `The API version ${version} does not exist.`);
    const signed = verifySignature(req, body, options);
    const hostService = (header(req, 'Host') ?? '').split('.')[0];
    if (signed.service !== hostService) throw new ApiRefusal('AuthFailure.SignatureFailure', `The credential scope names service ${signed.service}, the request went to ${hostService}.`);
    if (service !== 'tag' && header(req, 'X-TC-Region') !== options.simulator.region) {
      throw new ApiRefusal('InvalidParameterValue', `The region ${header(req, 'X-TC-Region') ?? '(none)'} is not served here (${options.simulator.region}).`);
    }
    let params: unknown;
    try {
      params = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      throw new ApiRefusal('InvalidParameter', 'The request body is not valid JSON.');
    }
    const result = (await target(options.simulator, service, action)(params)) as Record<string, unknown>;
    return { Response: { ...result, RequestId: result.RequestId ?? requestId } };
  } catch (error) {
    const e = error as { code?: string; message?: string; requestId?: string };
    const known = error instanceof ApiRefusal || typeof e.code === 'string';
    return {
      Response: {
        Error: { Code: known ? e.code : 'InternalError', Message: known ? e.message : 'An internal error occurred.' },
        RequestId: e.requestId || requestId,
      },
    };
  }
}

export async function startApiServer(options: ApiServerOptions, port = 0): Promise<RunningApiServer> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void answer(req, options).then((payload) => {
      const traceId = header(req, 'X-TC-TraceId');
      res.writeHead(200, { 'Content-Type': 'application/json', ...(traceId ? { 'X-TC-TraceId': traceId } : {}) });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: actualPort } = server.address() as AddressInfo;
  return {
    port: actualPort,
    address: `127.0.0.1:${actualPort}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
