import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { writeDurably } from "../durable-file.js";
import { addOrg, addOrgMember } from "../domain/org/decide.js";
import { orgAggregate } from "../domain/org/state.js";
import { INSTANCE_ID, instanceAggregate } from "../domain/instance/instance.js";
import { addMachineUser } from "../domain/user/create.js";
import { userAggregate } from "../domain/user/state.js";
import { addPersonalAccessToken } from "../domain/user/tokens.js";
import type { EventStore } from "../eventstore/event-store.js";
import { hashToken, newToken } from "../api/auth/tokens.js";

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
  const setUp = await store.run({ creator: "system" }, async (session) => (await session.load(instanceAggregate, INSTANCE_ID)).state.setUp);
  if (setUp) return {};
  const fileToken = !options.adminToken && options.tokenFile ? claimTokenFile(options.tokenFile) : undefined;
  const token = options.adminToken || fileToken || newToken();
  const orgId = options.newId();
  const userId = options.newId();
  const tokenId = options.newId();
  const created = await store.run({ creator: "system" }, async (session) => {
    const instance = await session.load(instanceAggregate, INSTANCE_ID);
    if (instance.state.setUp) return false;
    const org = await session.load(orgAggregate, orgId);
    const user = await session.load(userAggregate, userId);
    session.append(org, addOrg(org.state, "ZITADEL"), orgId);
    session.append(org, addOrgMember(org.state, userId, ["ORG_OWNER"]));
    session.append(user, addMachineUser(user.state, { username: "zitadel-admin", name: "Administrator", description: "created at first start" }), orgId);
    session.append(user, addPersonalAccessToken(user.state, { tokenId, tokenHash: hashToken(token), expiration: undefined }, options.now()));
    session.append(instance, [
      { type: "instance.setup", data: { defaultOrgId: orgId } },
      { type: "instance.member.added", data: { userId, roles: ["IAM_OWNER"] } },
    ], orgId);
    return true;
  });
  if (created) return { admin: { userId, orgId, token } };
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
