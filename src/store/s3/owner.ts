/**
 * Who holds a lock or lease: host name, process id and a random tag per store object, with an
 * expiry time. Writers are told apart by process (host + pid): worker threads of one process
 * are one writer. "This host" is `os.hostname()`: writers in separate pid namespaces (containers)
 * must not share a host name.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

export const HOST = hostname();

/** What a lock or lease object holds. */
export interface OwnerRecord {
  host: string;
  pid: number;
  /** Random per store object: tells two writes of one process apart. */
  tag: string;
  /** When it was taken (ms since the epoch). */
  since: number;
  /** When it expires unless refreshed (ms since the epoch). */
  expires: number;
}

/** A fresh random tag. */
export function newTag(): string {
  return randomBytes(6).toString("hex");
}

/** A record of this process with tag `tag`, expiring `ttlMs` from now. */
export function ownRecord(tag: string, ttlMs: number, since = Date.now()): OwnerRecord {
  return { host: HOST, pid: process.pid, tag, since, expires: Date.now() + ttlMs };
}

export function encodeRecord(r: OwnerRecord): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(r));
}

/** The record in `bytes`, or undefined when it is not one of ours. */
export function parseRecord(bytes: Uint8Array): OwnerRecord | undefined {
  try {
    const r = JSON.parse(new TextDecoder().decode(bytes)) as Partial<OwnerRecord>;
    if (
      typeof r.host === "string" &&
      typeof r.pid === "number" &&
      typeof r.tag === "string" &&
      typeof r.since === "number" &&
      typeof r.expires === "number"
    ) {
      return r as OwnerRecord;
    }
  } catch {
    // not JSON
  }
  return undefined;
}

/** True when `r` belongs to this process. */
export function isThisProcess(r: OwnerRecord): boolean {
  return r.host === HOST && r.pid === process.pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code === "EPERM"; // exists, owned by someone else
  }
}

/** Why `r` no longer holds anything (expired, or its process died on this host), or undefined. */
export function staleReason(r: OwnerRecord, now = Date.now()): string | undefined {
  if (r.host === HOST && r.pid !== process.pid && !alive(r.pid)) {
    return `process ${r.pid} on ${HOST} is dead`;
  }
  if (r.expires <= now) return `it expired at ${new Date(r.expires).toISOString()}`;
  return undefined;
}

/** "process 123 on host-a (tag 0a1b…) since …" for messages. */
export function describeOwner(r: OwnerRecord): string {
  return `process ${r.pid} on ${r.host} (tag ${r.tag}) since ${new Date(r.since).toISOString()}`;
}
