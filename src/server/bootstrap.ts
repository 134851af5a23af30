import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { writeDurably } from "../durable-file.js";
import { bootstrapInstance as setUpInstance, isInstanceSetUp } from "../commands/instance.js";
import type { EventStore } from "../eventstore/event-store.js";
import { newToken } from "../credentials/tokens.js";

export interface BootstrapResult {
  /** Set only when this call created the instance (first start on an empty database). */
  admin?: { userId: string; orgId: string; token: string };
}

export interface BootstrapOptions {
  newId(): string;
  now(): Date;
  /** ADMIN_TOKEN: the admin's token, known to the operator; no file is written. */
  adminToken?: string;
  /** Where the admin's token is kept (`<DATA_DIR>/admin.pat`); none for a throwaway database. */
  tokenFile?: string;
  /** Whether a token authenticates (used to clean up after losing the first-start race). */
  tokenWorks(token: string): Promise<boolean>;
}

/**
 * First start: one organization and an admin machine user holding IAM_OWNER, with a personal access
 * token (ADMIN_TOKEN if given). Appending to the instance stream at version 0 makes concurrent first
 * starts safe: exactly one wins, the others see the instance already set up.
 *
 * The token file is written durably BEFORE the append, so a crash can never leave an admin whose token
 * is nowhere; a crash before the append leaves a file that the next start reuses. A process that then
 * loses the race to an instance elsewhere removes its file: it must never hold a token that does not work.
 */
export async function bootstrapInstance(store: EventStore, options: BootstrapOptions): Promise<BootstrapResult> {
  if (await isInstanceSetUp({ store })) return {};
  const fileToken = !options.adminToken && options.tokenFile ? claimTokenFile(options.tokenFile) : undefined;
  const token = options.adminToken || fileToken || newToken();
  const created = await setUpInstance({ store, newId: options.newId, now: options.now }, token);
  if (created) return { admin: created };
  // Lost the race. Another process on the same directory used the same file (its token works); one elsewhere did not.
  if (fileToken && options.tokenFile && !(await options.tokenWorks(fileToken)) && readToken(options.tokenFile) === fileToken) {
    rmSync(options.tokenFile, { force: true });
  }
  return {};
}

/**
 * The token in the file if there is one (a start that crashed before its append, or another process
 * starting on the same directory right now); otherwise a new token, written aside, fsynced and moved
 * into place atomically. The move is a hard link, which fails if the file appeared meanwhile: then
 * that process's token is the one to use, so the file always holds the token that gets appended.
 */
function claimTokenFile(path: string): string {
  const existing = readToken(path);
  if (existing) return existing;
  const token = newToken();
  const aside = `${path}.${process.pid}.tmp`;
  writeDurably(aside, `${token}\n`);
  try {
    try {
      linkSync(aside, path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const theirs = readToken(path);
      if (theirs) return theirs;
      renameSync(aside, path); // an empty file left by a crash mid-write of an older version
    }
    syncDirectory(dirname(path));
    return token;
  } finally {
    rmSync(aside, { force: true });
  }
}

function readToken(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8").trim() || undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function syncDirectory(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
