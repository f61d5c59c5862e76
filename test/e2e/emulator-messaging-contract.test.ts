import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import type { Emulator } from '../../src/emulator/create-emulator.ts';
import { WebhookReceiver, addChat, addPerson, call, sdkFor, startEmulator, tokenOf, type Person } from './emulator-messaging-world.ts';

const OPENAPI_DIR = fileURLToPath(new URL('../../../shared/ringcentral/openapi/', import.meta.url));
const SPEC = `${OPENAPI_DIR}rc-public-openapi.yml`;
const SPEC46 = `${OPENAPI_DIR}ringcentral_openapi3-v1.0.46.json`;
const haveSpecs = existsSync(SPEC) && existsSync(SPEC46);
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

function pointer(...parts: string[]): string {
  return parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

describe.skipIf(!haveSpecs)(
  `messaging responses validate against the OpenAPI schemas${haveSpecs ? '' : ` (skipped: ${OPENAPI_DIR} is absent)`}`,
  () => {
    let ajv: Ajv;
    let emu: Emulator;
    let alice: Person;
    let bob: Person;
    let token: string;
    let chatId: string;
    const receiver = new WebhookReceiver();

    /** Validator of one operation's JSON response schema (`rc` = current spec, `rc46` = legacy spec). */
    function responseValidator(spec: 'rc' | 'rc46', path: string, method: string, status: number): ValidateFunction {
      const ref = `${spec}#/${pointer('paths', path, method, 'responses', String(status), 'content', 'application/json', 'schema')}`;
      const v = ajv.getSchema(ref);
      if (!v) throw new Error(`no schema at ${ref}`);
      return v;
    }

    function expectValid(v: ValidateFunction, data: unknown): void {
      const ok = v(data);
      expect(ok ? [] : v.errors, JSON.stringify(data).slice(0, 300)).toEqual([]);
    }

    beforeAll(async () => {
      ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
      addFormats(ajv);
      const spec = parseYaml(readFileSync(SPEC, 'utf8'));
      const spec46 = JSON.parse(readFileSync(SPEC46, 'utf8'));
      ajv.addSchema({ $id: 'rc', paths: spec.paths, components: spec.components });
      ajv.addSchema({ $id: 'rc46', paths: spec46.paths, components: spec46.components });
      emu = await startEmulator();
      alice = await addPerson(emu, 'Alice', 'Archer');
      bob = await addPerson(emu, 'Bob', 'Baker');
      token = await tokenOf(await sdkFor(emu, alice.id));
      chatId = (await addChat(emu, 'Team', [alice.id, bob.id], 'Contract team')).id;
      await receiver.start();
    });

    afterAll(async () => {
      await receiver.stop();
      await emu?.close();
    });

    it('Team Messaging (current) responses match SPEC', async () => {
      const TM = '/team-messaging/v1';
      expectValid(responseValidator('rc', `${TM}/chats`, 'get', 200), (await call(emu, 'GET', `${TM}/chats?recordCount=1`, undefined, token)).body);
      expectValid(responseValidator('rc', `${TM}/chats/{chatId}`, 'get', 200), (await call(emu, 'GET', `${TM}/chats/${chatId}`, undefined, token)).body);
      const conv = await call(emu, 'POST', `${TM}/conversations`, { members: [{ id: bob.id }] }, token);
      expectValid(responseValidator('rc', `${TM}/conversations`, 'post', conv.status), conv.body);
      expectValid(responseValidator('rc', `${TM}/conversations`, 'get', 200), (await call(emu, 'GET', `${TM}/conversations`, undefined, token)).body);
      expectValid(
        responseValidator('rc', `${TM}/conversations/{chatId}`, 'get', 200),
        (await call(emu, 'GET', `${TM}/conversations/${conv.body.id}`, undefined, token)).body,
      );
      const file = await fetch(`${emu.url}${TM}/files?groupId=${chatId}&name=a.txt`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' },
        body: 'hello',
      });
      const files = await file.json();
      expectValid(responseValidator('rc', `${TM}/files`, 'post', 200), files);
      const post = await call(emu, 'POST', `${TM}/chats/${chatId}/posts`, { text: `hi ![:Person](${bob.id})`, attachments: [{ id: files[0].id, type: 'File' }] }, token);
      expect(post.status).toBe(201);
      expectValid(responseValidator('rc', `${TM}/chats/{chatId}/posts`, 'post', 201), post.body);
      expectValid(responseValidator('rc', `${TM}/chats/{chatId}/posts`, 'get', 200), (await call(emu, 'GET', `${TM}/chats/${chatId}/posts?recordCount=1`, undefined, token)).body);
      expectValid(
        responseValidator('rc', `${TM}/chats/{chatId}/posts/{postId}`, 'get', 200),
        (await call(emu, 'GET', `${TM}/chats/${chatId}/posts/${post.body.id}`, undefined, token)).body,
      );
      expectValid(
        responseValidator('rc', `${TM}/chats/{chatId}/posts/{postId}`, 'patch', 200),
        (await call(emu, 'PATCH', `${TM}/chats/${chatId}/posts/${post.body.id}`, { text: 'edited' }, token)).body,
      );
      expectValid(responseValidator('rc', `${TM}/persons/{personId}`, 'get', 200), (await call(emu, 'GET', `${TM}/persons/${bob.id}`, undefined, token)).body);
      const card = await call(
        emu,
        'POST',
        `${TM}/chats/${chatId}/adaptive-cards`,
        // SPEC's AdaptiveCardInfoRequest only allows `Container` at the top of `body` (a spec quirk;
        // RingCentral's own samples put TextBlocks there), so the card wraps its text in a Container.
        {
          type: 'AdaptiveCard',
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          body: [{ type: 'Container', items: [{ type: 'TextBlock', text: 'hi' }] }],
        },
        token,
      );
      expectValid(responseValidator('rc', `${TM}/chats/{chatId}/adaptive-cards`, 'post', 201), card.body);
      expectValid(responseValidator('rc', `${TM}/adaptive-cards/{cardId}`, 'get', 200), (await call(emu, 'GET', `${TM}/adaptive-cards/${card.body.id}`, undefined, token)).body);
      expectValid(
        responseValidator('rc', `${TM}/adaptive-cards/{cardId}`, 'put', 200),
        (await call(emu, 'PUT', `${TM}/adaptive-cards/${card.body.id}`, { type: 'AdaptiveCard', body: [] }, token)).body,
      );
      const error = ajv.getSchema('rc#/components/schemas/ApiErrorResponseModel')!;
      expectValid(error, (await call(emu, 'GET', `${TM}/chats/1`, undefined, token)).body);
      expectValid(error, (await call(emu, 'POST', `${TM}/chats/${chatId}/posts`, {}, token)).body);
    });

    it('legacy /restapi/v1.0/glip responses match SPEC46', async () => {
      const G = '/restapi/v1.0/glip';
      expectValid(responseValidator('rc46', `${G}/groups/{groupId}`, 'get', 200), (await call(emu, 'GET', `${G}/groups/${chatId}`, undefined, token)).body);
      const post = await call(emu, 'POST', `${G}/groups/${chatId}/posts`, { text: 'legacy' }, token);
      expectValid(responseValidator('rc46', `${G}/groups/{groupId}/posts`, 'post', 200), post.body);
      const chatPost = await call(emu, 'POST', `${G}/chats/${chatId}/posts`, { text: 'legacy chat' }, token);
      expectValid(responseValidator('rc46', `${G}/chats/{chatId}/posts`, 'post', 201), chatPost.body);
      expectValid(responseValidator('rc46', `${G}/chats/{chatId}/posts`, 'get', 200), (await call(emu, 'GET', `${G}/chats/${chatId}/posts`, undefined, token)).body);
      expectValid(responseValidator('rc46', `${G}/chats`, 'get', 200), (await call(emu, 'GET', `${G}/chats`, undefined, token)).body);
      expectValid(responseValidator('rc46', `${G}/persons/{personId}`, 'get', 200), (await call(emu, 'GET', `${G}/persons/${bob.id}`, undefined, token)).body);
    });

    it('subscription and wstoken responses match SPEC', async () => {
      const S = '/restapi/v1.0/subscription';
      const created = await call(
        emu,
        'POST',
        S,
        { eventFilters: ['/team-messaging/v1/posts', '/restapi/v1.0/account/~/extension/~'], deliveryMode: { transportType: 'WebHook', address: receiver.url } },
        token,
      );
      // The validator is not vacuous: an empty object lacks SubscriptionInfo's required fields.
      expect(responseValidator('rc', S, 'post', 200)({})).toBe(false);
      expectValid(responseValidator('rc', S, 'post', 200), created.body);
      expectValid(responseValidator('rc', S, 'get', 200), (await call(emu, 'GET', S, undefined, token)).body);
      expectValid(responseValidator('rc', `${S}/{subscriptionId}`, 'get', 200), (await call(emu, 'GET', `${S}/${created.body.id}`, undefined, token)).body);
      expectValid(responseValidator('rc', `${S}/{subscriptionId}`, 'put', 200), (await call(emu, 'PUT', `${S}/${created.body.id}`, {}, token)).body);
      expectValid(responseValidator('rc', `${S}/{subscriptionId}/renew`, 'post', 200), (await call(emu, 'POST', `${S}/${created.body.id}/renew`, undefined, token)).body);
      await call(emu, 'POST', `/_emulator/subscriptions/${created.body.id}/blacklist`, {});
      expectValid(responseValidator('rc', `${S}/{subscriptionId}`, 'get', 200), (await call(emu, 'GET', `${S}/${created.body.id}`, undefined, token)).body);
      expectValid(responseValidator('rc', '/restapi/oauth/wstoken', 'post', 200), (await call(emu, 'POST', '/restapi/oauth/wstoken', undefined, token)).body);
    });
  },
);
