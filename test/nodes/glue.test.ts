/**
 * The shared node glue without Node-RED: the status line (in-flight counter, throttled progress,
 * formats), file path resolution, site options and the message handler's error codes, queue and
 * close behaviour, driven through a small fake node.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { join, resolve, sep } from 'node:path';
import { errorStatusText, ShotGridError } from '../../lib/index.js';
import { ActivityStatus, formatBytes, formatProgress } from '../../nodes/shared/activity-status.js';
import { handleMessages, toCatchableError, UNEXPECTED_CODE } from '../../nodes/shared/message-handler.js';
import { asNameList, readProperties, resolveFilePath } from '../../nodes/shared/properties.js';
import type { NodeAPI, NodeDone, NodeMessage, NodeSend, NodeStatus, RedNode } from '../../nodes/shared/red-types.js';
import { buildClientOptions, substituteEnv } from '../../nodes/shared/site-options.js';
import { PASSWORD_PLACEHOLDER, resolveDialogValues, scrubSecrets } from '../../nodes/shared/test-connection.js';

/** A node that records statuses and lets the test fire input and close. */
class FakeNode extends EventEmitter {
  readonly id = 'n1';
  readonly type = 'fake';
  readonly shown: NodeStatus[] = [];
  status(s: NodeStatus): void {
    this.shown.push(s);
  }
  warn(): void {}
  log(): void {}
  debug(): void {}
  error(): void {}
  input(msg: NodeMessage): Promise<Error | undefined> {
    return new Promise((done) => {
      const [handler] = this.listeners('input') as Array<(m: NodeMessage, s: NodeSend, d: NodeDone) => void>;
      handler!(msg, () => undefined, done);
    });
  }
  close(): Promise<void> {
    return new Promise((done) => {
      const [handler] = this.listeners('close') as Array<(removed: boolean, d: () => void) => void>;
      handler!(false, done);
    });
  }
}
const asRed = (n: FakeNode) => n as unknown as RedNode;

describe('status line', () => {
  test('formats: percent and rate, bytes when the total is unknown', () => {
    assert.equal(formatProgress({ loaded: 42, total: 100, bytesPerSecond: 31_000_000 }), '42% 31 MB/s');
    assert.equal(formatProgress({ loaded: 2_500_000, total: undefined, bytesPerSecond: 850_000 }), '2.5 MB 850 kB/s');
    assert.deepEqual([formatBytes(0), formatBytes(999), formatBytes(1200), formatBytes(1_234_000_000)], ['0 B', '999 B', '1.2 kB', '1.2 GB']);
  });

  test('in-flight counter: blue while any message runs, green only when the last one ends, red ring with code and reason until the next message', () => {
    const node = new FakeNode();
    const status = new ActivityStatus(asRed(node), { busy: 'working', done: 'done' });
    status.begin();
    status.begin();
    status.succeed('one done');
    assert.deepEqual(node.shown.at(-1), { fill: 'blue', shape: 'dot', text: 'working' });
    status.succeed('both done');
    assert.deepEqual(node.shown.at(-1), { fill: 'green', shape: 'dot', text: 'both done' });
    status.begin();
    status.begin();
    status.fail('SG_AUTH: bad credentials');
    assert.deepEqual(node.shown.at(-1), { fill: 'blue', shape: 'dot', text: 'working' }, 'a failure does not hide a message still running');
    status.fail('SG_AUTH: bad credentials');
    assert.deepEqual(node.shown.at(-1), { fill: 'red', shape: 'ring', text: 'SG_AUTH: bad credentials' });
    status.begin();
    assert.deepEqual(node.shown.at(-1), { fill: 'blue', shape: 'dot', text: 'working' }, 'a new message clears the last failure');
    status.stop();
    status.begin();
    assert.deepEqual(node.shown.at(-1), {}, 'a stopped status stays cleared');
  });

  test('progress is dropped when it comes faster than four times a second', () => {
    const node = new FakeNode();
    let now = 0;
    const status = new ActivityStatus(asRed(node), { busy: 'up', done: 'ok' }, () => now);
    status.begin();
    const before = node.shown.length;
    for (let t = 0; t <= 1000; t += 10) {
      now = t;
      status.progress({ loaded: t, total: 1000, part: 1, partsDone: 0, partsTotal: 1, bytesPerSecond: 1000 });
    }
    assert.equal(node.shown.length - before, 5, 'updates at 0, 250, 500, 750 and 1000 ms');
  });
  test('while busy, count changes show at most four times a second and the last one always', async () => {
    const node = new FakeNode();
    let now = 0;
    const status = new ActivityStatus(asRed(node), { busy: 'up', done: 'ok' }, () => now);
    status.begin();
    // A burst: 100 messages queued and started within the same 10 ms.
    for (let i = 1; i <= 100; i++) status.queued(i);
    for (let i = 0; i < 3; i++) status.begin(100 - i);
    assert.deepEqual(node.shown.map((st) => st.text), ['up', 'up +1'], 'going busy and the first message waiting show at once, the rest of the burst is held back');
    // The held-back count is shown by a timer (250 ms after the first), not lost.
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(node.shown.at(-1), { fill: 'blue', shape: 'dot', text: 'up (4) +98' });
    assert.equal(node.shown.length, 3);
    // Leaving busy is never held back, and cancels a held count.
    now = 300;
    status.queued(5);
    for (let i = 0; i < 4; i++) status.succeed('done');
    assert.deepEqual(node.shown.at(-1), { fill: 'green', shape: 'dot', text: 'done' });
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(node.shown.at(-1), { fill: 'green', shape: 'dot', text: 'done' }, 'no stale busy count after the end');
    status.stop();
  });
  test('a text given as a function is made only when it is shown: while other messages run, the busy count shows instead', () => {
    const node = new FakeNode();
    const status = new ActivityStatus(asRed(node), { busy: 'up', done: 'ok' });
    const made: string[] = [];
    const text = (t: string) => () => {
      made.push(t);
      return t;
    };
    status.begin();
    status.begin();
    status.succeed(text('first'));
    assert.deepEqual(made, [], 'the text of a message that ends while another runs is not needed');
    status.succeed(text('last'));
    assert.deepEqual(made, ['last']);
    assert.deepEqual(node.shown.at(-1), { fill: 'green', shape: 'dot', text: 'last' });
    status.begin();
    status.warn(() => 'not ready');
    assert.deepEqual(node.shown.at(-1), { fill: 'yellow', shape: 'ring', text: 'not ready' });
    status.stop();
  });
});

describe('message handler', () => {
  test('errors without an own code get SG_UNEXPECTED; ShotGridError and coded errors keep theirs', () => {
    assert.equal(toCatchableError(new Error('boom')).code, UNEXPECTED_CODE);
    assert.equal(toCatchableError('text').code, UNEXPECTED_CODE);
    assert.equal(toCatchableError(new ShotGridError('SG_FILE', 'x')).code, 'SG_FILE');
    const coded = Object.assign(new Error('fs'), { code: 'ENOENT' });
    assert.equal(toCatchableError(coded), coded);
    assert.ok(Object.prototype.hasOwnProperty.call(toCatchableError(new Error('boom')), 'code'));
  });

  test('a rejection reaches done(err) with its code; the input listener takes exactly (msg, send, done)', async () => {
    const node = new FakeNode();
    handleMessages(asRed(node), {
      texts: { busy: 'b', done: 'd' },
      handle: async () => {
        throw new ShotGridError('SG_NOT_FOUND', 'gone');
      },
    });
    assert.equal((node.listeners('input')[0] as (...a: unknown[]) => void).length, 3);
    const err = await node.input({});
    assert.equal((err as { code?: string }).code, 'SG_NOT_FOUND');
    assert.deepEqual(node.shown.at(-1), { fill: 'red', shape: 'ring', text: errorStatusText('SG_NOT_FOUND') });
  });

  test('with a bound of 1, messages run one at a time in order; close aborts the running one, drops the waiting ones and clears the status', async () => {
    const node = new FakeNode();
    const started: unknown[] = [];
    const aborted: unknown[] = [];
    let release: (() => void) | undefined;
    handleMessages(asRed(node), {
      texts: { busy: 'b', done: 'd' },
      maxConcurrent: 1,
      handle: ({ msg, signal }) =>
        new Promise((resolveRun, reject) => {
          started.push(msg.payload);
          release = () => resolveRun();
          signal.addEventListener('abort', () => {
            aborted.push(msg.payload);
            reject(signal.reason);
          });
        }),
    });
    const first = node.input({ payload: 1 });
    const second = node.input({ payload: 2 });
    const third = node.input({ payload: 3 });
    assert.deepEqual(started, [1]);
    release!();
    assert.equal(await first, undefined);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(started, [1, 2]);
    await node.close();
    assert.deepEqual(aborted, [2]);
    assert.deepEqual(await Promise.all([second, third]), [undefined, undefined], 'stopped messages end without an error');
    assert.deepEqual(started, [1, 2], 'a waiting message started after close');
    assert.deepEqual(node.shown.at(-1), {});
  });
});

describe('reading properties', () => {
  /** A runtime whose evaluateNodeProperty records what it is asked for. */
  const runtime = (asked: string[]) =>
    ({
      settings: {},
      util: {
        evaluateNodeProperty: (value: unknown, type: string, _node: unknown, _msg: unknown, done: (err: Error | null, result?: unknown) => void) => {
          asked.push(`${type}:${String(value)}`);
          done(null, `${type} ${String(value)}`);
        },
      },
    }) as unknown as NodeAPI;
  const steps = [
    { label: 'target', prop: { value: 'entity', type: 'msg' }, required: true, as: (v: unknown) => v },
    { label: 'name', prop: { value: 'clip', type: 'str' }, as: (v: unknown) => v },
    { label: 'tags', prop: { value: '', type: 'json' }, as: (v: unknown) => v },
  ] as const;

  test('plain msg names, strings and blank literals are read at once, without the runtime and without a promise', () => {
    const asked: string[] = [];
    const values = readProperties(runtime(asked), {}, { entity: 7 }, steps);
    assert.ok(Array.isArray(values), 'not read at once');
    assert.deepEqual(values, [7, 'clip', undefined]);
    assert.deepEqual(asked, []);
  });

  test('from a property that needs the runtime on, in order: a fault stops the reading before the next property', async () => {
    const asked: string[] = [];
    const withFlow = [...steps, { label: 'path', prop: { value: 'where', type: 'flow' }, required: true, as: (v: unknown) => v }, { label: 'last', prop: { value: 'x.y', type: 'msg' }, as: (v: unknown) => v }] as const;
    const read = readProperties(runtime(asked), {}, { entity: 7, x: { y: 1 } }, withFlow);
    assert.ok(read instanceof Promise);
    assert.deepEqual(await read, [7, 'clip', undefined, 'flow where', 'msg x.y']);
    assert.deepEqual(asked, ['flow:where', 'msg:x.y']);
    const failing = [{ label: 'path', prop: { value: 'where', type: 'flow' }, required: true, as: () => { throw new ShotGridError('SG_CONFIG', 'bad path'); } }, ...steps] as const;
    asked.length = 0;
    await assert.rejects(Promise.resolve(readProperties(runtime(asked), {}, {}, failing)), /bad path/);
    assert.deepEqual(asked, ['flow:where'], 'read on after a fault');
    assert.throws(() => readProperties(runtime(asked), {}, {}, steps), /target is not set \(msg\.entity\)/);
  });
});

describe('paths and site options', () => {
  const red = (settings: Record<string, unknown>) => ({ settings }) as unknown as NodeAPI;

  test('relative paths resolve against fileWorkingDirectory (else the cwd); a trailing slash is kept', () => {
    assert.equal(resolveFilePath(red({ fileWorkingDirectory: '/data/files' }), 'media/a.mov'), join('/data/files', 'media', 'a.mov'));
    assert.equal(resolveFilePath(red({ fileWorkingDirectory: '/data/files' }), 'out/'), join('/data/files', 'out') + sep);
    assert.equal(resolveFilePath(red({ fileWorkingDirectory: '/data/files' }), '/abs/b.mov'), '/abs/b.mov');
    assert.equal(resolveFilePath(red({}), 'c.mov'), resolve('c.mov'));
    assert.deepEqual(asNameList(' code , sg_status_list,', 'fields'), ['code', 'sg_status_list']);
    assert.deepEqual(asNameList('["code"]', 'fields'), ['code']);
  });

  test('site options: the chosen method\'s credentials only, seconds to ms, whole-value ${ENV}', () => {
    const options = buildClientOptions(
      { site: 'https://studio.example', authType: 'user', sudoAsLogin: ' lead ', requestTimeout: '90', connectTimeout: '' },
      { scriptName: 's', scriptKey: 'k', login: 'me', password: 'pw' },
    );
    assert.deepEqual(options.auth, { login: 'me', password: 'pw' });
    assert.equal(options.sudoAsLogin, 'lead');
    assert.deepEqual(options.timeouts, { headers: 90_000, body: 90_000 });
    assert.throws(() => buildClientOptions({ site: 'https://x', authType: 'session' }, {}), (e: ShotGridError) => e.code === 'SG_CONFIG');
    assert.equal(substituteEnv('${SG_GLUE_TEST}', { SG_GLUE_TEST: 'http://a' }), 'http://a');
    assert.equal(substituteEnv('https://${SG_GLUE_TEST}.example', { SG_GLUE_TEST: 'a' }), 'https://${SG_GLUE_TEST}.example');
  });

  test('dialog values: __PWRD__ only fills secret fields, from the stored credentials of that node id', () => {
    const stored = (id: string) => (id === 'site9' ? { scriptName: 'stored-name', scriptKey: 'stored-key' } : undefined);
    const { credentials } = resolveDialogValues({ id: 'site9', site: 'https://x', credentials: { scriptName: PASSWORD_PLACEHOLDER, scriptKey: PASSWORD_PLACEHOLDER } }, stored);
    assert.deepEqual([credentials.scriptName, credentials.scriptKey], [PASSWORD_PLACEHOLDER, 'stored-key']);
    assert.equal(scrubSecrets('bad key stored-key here', { scriptKey: 'stored-key' }), 'bad key *** here');
  });
});
