/**
 * The input/close plumbing every ShotGrid node shares: one AbortController per message, an
 * optional bound on messages handled at once (the rest wait in order), errors routed to
 * `done(err)` with an own `code` (so Catch nodes get `msg.error.code`), and on close/redeploy
 * every message in flight aborted and waited for (at most {@link CLOSE_WAIT_MS}).
 */
import { errorStatusText, isShotGridError, LIBRARY_DEFAULTS, pauseReason, reportRetries, ShotGridError, UNEXPECTED_CODE, type RetryEvent } from '../../lib/index.js';
import { ActivityStatus, type ActivityTexts, type StatusText } from './activity-status.js';
import { answerCutOff } from './http-start-hold.js';
import type { ConnectionSource } from './connection-state.js';
import type { NodeDone, NodeMessage, NodeSend, RedNode } from './red-types.js';

/** Longest a close waits for aborted messages to settle (aborting a multipart upload included). */
export const CLOSE_WAIT_MS = LIBRARY_DEFAULTS.node.closeWait;

/** What a node's handler gets for one message. */
export interface MessageContext {
  msg: NodeMessage;
  send: NodeSend;
  /** Fires when the node closes (redeploy, shutdown, node deleted). */
  signal: AbortSignal;
  /** The node's status line (for transfer progress). */
  status: ActivityStatus;
}

/** How a message ended, for the status line; `undefined` means plain success. */
export interface MessageOutcome {
  /** Status text instead of the default "done" text; a function is called only if the text is shown. */
  text?: StatusText;
  /** Show a yellow ring instead of a green dot (e.g. a thumbnail that timed out). */
  warning?: boolean;
}

/** Options of {@link handleMessages}. */
export interface HandlerOptions {
  texts: ActivityTexts;
  /** Most messages handled at once; 0 or undefined = no bound. */
  maxConcurrent?: number;
  /** Handles one message; rejections become `done(err)`. */
  handle(ctx: MessageContext): Promise<MessageOutcome | void>;
  /** The site whose connection state the status shows until the first message, and whose words say a retry (see {@link siteConnection}). */
  connection?: ConnectionSource;
}

interface Pending {
  msg: NodeMessage;
  send: NodeSend;
  done: NodeDone;
}

export { UNEXPECTED_CODE };

/** An Error with an own enumerable string `code`, as the Catch node needs it. */
export function toCatchableError(err: unknown): Error & { code: string } {
  if (isShotGridError(err)) return err;
  if (err instanceof Error && typeof (err as { code?: unknown }).code === 'string' && Object.prototype.hasOwnProperty.call(err, 'code')) {
    return err as Error & { code: string };
  }
  const wrapped = new Error(err instanceof Error ? err.message : String(err), { cause: err }) as Error & { code: string };
  wrapped.code = UNEXPECTED_CODE;
  return wrapped;
}

/** Installs the `input` and `close` handlers on `node`. */
export function handleMessages(node: RedNode, options: HandlerOptions): ActivityStatus {
  const status = new ActivityStatus(node, options.texts);
  const running = new Map<AbortController, Promise<void>>();
  const waiting: Pending[] = [];
  const limit = options.maxConcurrent && options.maxConcurrent > 0 ? options.maxConcurrent : Infinity;
  // Retries of a message's site calls show on this node's status, in the site's words.
  const site = options.connection;
  const showRetry = site ? (event: RetryEvent): void => status.retrying(site.retryText(event)) : undefined;
  let closing = false;

  const handleOne = async (pending: Pending, signal: AbortSignal): Promise<void> => {
    try {
      const outcome = await options.handle({ msg: pending.msg, send: pending.send, signal, status });
      if (closing) return pending.done();
      if (outcome?.warning) status.warn(outcome.text ?? '', waiting.length);
      else status.succeed(outcome?.text, waiting.length);
      pending.done();
    } catch (err) {
      // Aborted because the node is stopping: its Catch nodes may be stopping too, and a delivery
      // over HTTP would wait for the farm's timeout, so its request is answered 503 instead.
      if (closing) {
        answerCutOff(pending.msg);
        return pending.done();
      }
      const error = toCatchableError(err);
      status.fail(errorStatusText(error.code));
      pending.done(error);
    }
  };

  const start = (pending: Pending): void => {
    // A signal per message: a handler's listeners on it never outlive its message.
    const controller = new AbortController();
    if (showRetry) reportRetries(controller.signal, showRetry);
    status.begin(waiting.length);
    const settled = (): void => {
      running.delete(controller);
      const next = closing ? undefined : waiting.shift();
      if (next) start(next);
    };
    // Settled either way (a throwing `done` included), the slot goes to the next message.
    running.set(controller, handleOne(pending, controller.signal).then(settled, settled));
  };

  // The runtime waits for `done` only when the listener declares exactly (msg, send, done).
  node.on('input', (msg, send, done) => {
    if (closing) return done();
    const pending = { msg, send, done };
    if (running.size < limit) start(pending);
    else {
      waiting.push(pending);
      status.queued(waiting.length);
    }
  });

  const unwatch = options.connection?.watchConnection((state) => status.connection(state));

  node.on('close', (removed, done) => {
    closing = true;
    unwatch?.();
    for (const pending of waiting.splice(0)) {
      answerCutOff(pending.msg);
      pending.done();
    }
    const reason = new ShotGridError('SG_ABORTED', 'the node was stopped (redeploy or shutdown)');
    // A restart (redeploy, shutdown) pauses: a resumable upload stays open for the next delivery
    // of its message. A node deleted or disabled cancels: its uploads are aborted on the site.
    if (!removed) pauseReason(reason);
    for (const controller of running.keys()) controller.abort(reason);
    let timer: NodeJS.Timeout | undefined;
    const settled = Promise.allSettled([...running.values()]).then(() => true);
    const deadline = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS);
    });
    void Promise.race([settled, deadline]).then((allSettled) => {
      clearTimeout(timer);
      // Said out loud: a message that outlives the close may still hold a connection or an upload.
      if (!allSettled && running.size > 0) node.warn(`${running.size} message(s) still running ${CLOSE_WAIT_MS} ms after the node was stopped`);
      status.stop();
      done();
    });
  });
  return status;
}
