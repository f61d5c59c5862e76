/**
 * After `platform.close()` in WebSocket mode the process must be able to exit on its own: no
 * recover timer, ping timer, socket or pending WebSocket waiter left behind (ringcentral-sdk.md
 * §2.2 "Teardown", §2.4), also when the gateway went away first.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./platform-exit-fixture.ts', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));

function runFixture(scenario: string): Promise<{ code: number | null; out: string; stillAliveAfterClose: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, scenario], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let killer: NodeJS.Timeout | undefined;
    let stillAliveAfterClose = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('closed') && !killer) {
        // Generous: a healthy process exits within milliseconds of printing `closed`.
        killer = setTimeout(() => {
          stillAliveAfterClose = true;
          child.kill('SIGKILL');
        }, 8000);
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      if (killer) clearTimeout(killer);
      resolve({ code, out, stillAliveAfterClose });
    });
  });
}

describe('WebSocket delivery lets the process exit after close()', () => {
  it('after a normal close', async () => {
    const r = await runFixture('normal');
    expect(r.out).toContain('delivery active');
    expect(r.stillAliveAfterClose, r.out).toBe(false);
    expect(r.code, r.out).toBe(0);
  }, 20_000);

  it('when the gateway went away first (reconnects were failing)', async () => {
    const r = await runFixture('gateway-dies');
    expect(r.out).toContain('delivery active');
    expect(r.out).toMatch(/after gateway death (repairing|failed)/);
    expect(r.stillAliveAfterClose, r.out).toBe(false);
    expect(r.code, r.out).toBe(0);
  }, 20_000);
});
