// HTTP from a chosen loopback address (127.0.0.x), so a test can be a node
// whose address changes: bootherd sees the request come from that address.
import http from 'node:http';

/** POSTs JSON to `url` from `localAddress`; resolves with the status. */
export function postFrom(localAddress: string, url: string, body: unknown, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(data);
  });
}
