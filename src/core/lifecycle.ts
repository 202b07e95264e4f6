/**
 * How often a running experiment proves it is alive, in milliseconds. A fixed part of the store
 * protocol: every process that opens a store must agree on it.
 */
export const HEARTBEAT_INTERVAL_MS = 5_000;

/** A running experiment whose heartbeat is older than this is marked crashed when a store is opened or read. */
export const STALE_AFTER_MS = 4 * HEARTBEAT_INTERVAL_MS;
