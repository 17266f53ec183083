/**
 * `--endpoint` / CLB_ENDPOINT: where the API is. A host name (`clb.internal.tencentcloudapi.com`) overrides the
 * CLB endpoint only, as from inside a VPC. A URL with a scheme and an IP address (`http://127.0.0.1:9443`) is a
 * TC3 emulator serving CLB, VPC and Tag at one address (mocks/clb/api-server.ts): requests keep the real
 * service host names — which the TC3 signature's credential scope names — and are sent to that address.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';

export interface EndpointOptions {
  readonly endpoints: { readonly clb?: string; readonly vpc?: string; readonly tag?: string };
  readonly protocol?: 'https://' | 'http://';
  readonly agent?: HttpAgent;
}

export function endpointOptions(endpoint: string): EndpointOptions {
  const url = /^(https?):\/\/([^/:]+|\[[^\]]+\]):(\d+)\/?$/.exec(endpoint);
  if (!url) return { endpoints: { clb: endpoint } };
  const [, scheme, rawHost, port] = url as unknown as [string, 'http' | 'https', string, string];
  const address = rawHost.replace(/^\[|\]$/g, '');
  if (!isIP(address)) return { endpoints: { clb: `${rawHost}:${port}` }, protocol: `${scheme}://` };
  const family = isIP(address);
  const lookup = ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) =>
    options?.all ? callback(null, [{ address, family }]) : callback(null, address, family)) as never;
  const agent = scheme === 'http' ? new HttpAgent({ keepAlive: true, lookup }) : new HttpsAgent({ keepAlive: true, lookup });
  return {
    endpoints: { clb: `clb.tencentcloudapi.com:${port}`, vpc: `vpc.tencentcloudapi.com:${port}`, tag: `tag.tencentcloudapi.com:${port}` },
    protocol: `${scheme}://`,
    agent: agent as HttpAgent,
  };
}
