/**
 * A small round-robin reverse proxy on loopback (node:http) standing for a platform router in
 * front of several bot instances. An upstream that refuses the connection (the request never
 * reached it) is taken out of rotation and the request goes to the next one, as routers do; a
 * request whose connection breaks after it was sent (the instance died mid-request) is answered
 * 502 and counted in `broken`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RoundRobinProxy {
  url: string;
  /** Requests answered 502 because the upstream's connection broke after the request was sent. */
  broken: number;
  /** Requests forwarded per upstream port. */
  forwarded: Map<number, number>;
  close(): Promise<void>;
}

/** Starts the proxy on 127.0.0.1 (any free port) in front of `ports` (127.0.0.1). */
export async function startRoundRobinProxy(ports: number[]): Promise<RoundRobinProxy> {
  const alive = new Set(ports);
  let next = 0;
  const state: RoundRobinProxy = { url: '', broken: 0, forwarded: new Map(), close: async () => {} };

  function forward(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse, tried: Set<number>): void {
    const candidates = ports.filter((p) => alive.has(p) && !tried.has(p));
    if (candidates.length === 0) {
      res.writeHead(503).end();
      return;
    }
    const port = candidates[next++ % candidates.length]!;
    tried.add(port);
    let sent = false;
    const up = http.request({ host: '127.0.0.1', port, agent: false, method: req.method, path: req.url, headers: { ...req.headers, host: `127.0.0.1:${port}` } }, (r) => {
      state.forwarded.set(port, (state.forwarded.get(port) ?? 0) + 1);
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('socket', (s) => s.once('connect', () => (sent = true)));
    up.on('error', (e: NodeJS.ErrnoException) => {
      if (!sent && e.code === 'ECONNREFUSED') {
        alive.delete(port);
        forward(req, body, res, tried);
        return;
      }
      state.broken += 1;
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    up.end(body);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => forward(req, Buffer.concat(chunks), res, new Set()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
