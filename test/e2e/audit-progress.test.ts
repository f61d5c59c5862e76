/**
 * A long audit (more than one page of 1000 extensions) keeps one progress post up to date by
 * editing it, then posts the report. AUDIT_PROGRESS_INTERVAL_MS=0 lets every page but the last
 * report progress, so the edits are seen without a slow account.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotWorld, type BotWorld } from '../helpers/bot-world.ts';

const LIST_PATH = '/restapi/v1.0/account/~/extension';
const EXTRA = 2_100;
let w: BotWorld;

beforeAll(async () => {
  w = await startBotWorld({ env: { AUDIT_PROGRESS_INTERVAL_MS: '0' } });
  w.emulator.state.settings.timeScale = 0.05;
  for (let i = 0; i < EXTRA; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, EXTRA - i) }, (_, k) =>
        fetch(`${w.control.url}/_emulator/extensions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ firstName: `Bulk${i + k}`, lastName: 'Person' }),
        }).then((r) => {
          if (r.status !== 201) throw new Error(`addExtension ${r.status}`);
        }),
      ),
    );
  }
}, 60_000);

afterAll(async () => {
  await w?.close();
});

describe('a long audit', () => {
  it('edits one progress post page by page, then posts the report', async () => {
    const { admin, botId } = w.setup;
    const dm = w.setup.directChats[admin.id]!;
    const total = (await w.control.state()).users.filter((u) => (u as { status?: string }).status === 'Enabled').length;
    expect(total).toBeGreaterThan(2000);
    const before = (await w.control.requests()).length;
    const post = await w.control.post(dm, { creatorId: admin.id, text: 'audit missing photos' });
    await w.waitHandled(post.id, 20_000);

    const card = await w.waitForPost(dm, (p) => p.creatorId === botId && Boolean(p.card));
    expect(JSON.stringify(card.card)).toContain(`"Extensions checked","value":"${total.toLocaleString('en-US')}"`);
    const progress = (await w.botPosts(dm)).filter((p) => /^Checked /.test(p.text ?? ''));
    expect(progress).toHaveLength(1);
    expect(progress[0]!.text).toBe(`Checked all ${total.toLocaleString('en-US')} extensions. The report follows.`);

    const requests = (await w.control.requests()).slice(before);
    const pages = requests.filter((r) => r.method === 'GET' && r.path === LIST_PATH);
    expect(pages).toHaveLength(Math.ceil(total / 1000));
    // Page 1 creates the post, page 2 edits it, the end edits it once more.
    const edits = requests.filter((r) => r.method === 'PATCH' && String(r.path).endsWith(`/posts/${progress[0]!.id}`));
    expect(edits).toHaveLength(Math.ceil(total / 1000) - 2 + 1);
  }, 30_000);
});
