/**
 * TC3-HMAC-SHA256 signing (API doc 214/33793) with the signing key derived once per day and service.
 *
 * Why: the SDK (4.1.313) derives the key with three HMACs on every request, each keyed by the previous digest
 * as a Buffer, and on Node 24 an HMAC keyed by a Buffer spends ~12 µs in key-type checks (a KeyObject key:
 * ~2 µs). At 10,000 Services that was 7% of the controller's CPU (scenario 6's profile). The derived key only
 * changes with the UTC date, the service and the secret, so it is kept as a KeyObject.
 *
 * The SDK's own `Sign.sign3` is replaced with this one for JSON POSTs (every call the provider makes); anything
 * else (GET, multipart) still goes to the SDK's. `test/providers/tc3-signing.test.ts` checks, over generated
 * requests, that both give the same Authorization header byte for byte.
 */
import { createHash, createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import jsonBigint from 'json-bigint';
import signModule from 'tencentcloud-sdk-nodejs/tencentcloud/common/sign.js';

export interface Sign3Request {
  readonly method?: string;
  readonly url?: string;
  readonly payload: unknown;
  readonly timestamp: number;
  readonly service: string;
  readonly secretId: string;
  readonly secretKey: string;
  readonly multipart: boolean;
  readonly boundary?: string;
  readonly headers?: Readonly<Record<string, string>>;
}
type Sign3 = (request: Sign3Request) => string;
interface SignClass {
  sign3: Sign3;
}

// CommonJS seen from ESM: the class is the module's `default` export, one level down (or at the top, depending on the loader).
const moduleExports = signModule as unknown as SignClass & { readonly default?: SignClass };
const Sign: SignClass = moduleExports.default ?? moduleExports;
/** The SDK's signer as it shipped (for what this one does not handle, and for the equality test). */
export const sdkSign3: Sign3 = Sign.sign3.bind(Sign);

/** The SDK's body serialiser: the hash must cover exactly the bytes it sends. */
const sdkJson = jsonBigint({ useNativeBigInt: true });

const hmac = (key: string | Buffer | KeyObject, message: string): Buffer => createHmac('sha256', key).update(message).digest();
const sha256Hex = (message: string | Buffer): string => createHash('sha256').update(message).digest('hex');

/** kSigning for one secret, UTC date and service; the last few are kept (one per service, in practice). */
class SigningKeys {
  private readonly keys = new Map<string, KeyObject>();

  get(secretKey: string, date: string, service: string): KeyObject {
    const id = `${date}\n${service}\n${secretKey}`;
    let key = this.keys.get(id);
    if (!key) {
      key = createSecretKey(hmac(hmac(hmac(`TC3${secretKey}`, date), service), 'tc3_request'));
      if (this.keys.size >= 16) this.keys.clear();
      this.keys.set(id, key);
    }
    return key;
  }
}

const utcDate = (timestamp: number): string => new Date(timestamp * 1000).toISOString().slice(0, 10);

export function cachedSign3(keys = new SigningKeys()): Sign3 {
  return (request) => {
    const method = request.method ?? 'POST';
    if (method !== 'POST' || request.multipart) return sdkSign3(request);
    const url = new URL(request.url ?? '');
    const contentType = request.headers?.['Content-Type'];
    const headers = `content-type:${contentType}\nhost:${url.hostname}\n`;
    const signedHeaders = 'content-type;host';
    const { payload } = request;
    const body = Buffer.isBuffer(payload) ? payload : payload ? sdkJson.stringify(payload) : '';
    const canonicalRequest = `${method}\n${url.pathname}\n${url.search.slice(1)}\n${headers}\n${signedHeaders}\n${sha256Hex(body)}`;
    const date = utcDate(request.timestamp);
    const scope = `${date}/${request.service}/tc3_request`;
    const stringToSign = `TC3-HMAC-SHA256\n${request.timestamp}\n${scope}\n${sha256Hex(canonicalRequest)}`;
    const signature = createHmac('sha256', keys.get(request.secretKey, date, request.service)).update(stringToSign).digest('hex');
    return `TC3-HMAC-SHA256 Credential=${request.secretId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  };
}

let installed = false;

/** Makes every SDK client in this process sign with `cachedSign3`. Idempotent. */
export function installCachedSigning(): void {
  if (installed) return;
  installed = true;
  Sign.sign3 = cachedSign3();
}
