/**
 * Where a retry of the current message's site call is shown. The message handler runs each
 * message inside {@link retryReporter}; the site node's client (`onRetry`) reads the store in the
 * async context of the call that retries, so the right node's status says "retrying 2/5 in 4 s"
 * without every call site passing a callback.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Receives the status text of a retry (already translated by the site node). */
export type RetryReporter = (text: string) => void;

/** The reporter of the message whose call is running. */
export const retryReporter = new AsyncLocalStorage<RetryReporter>();
