import { create } from "@bufbuild/protobuf";
import { SessionSchema } from "../../../gen/zitadel/session/v2/session_service_pb.js";
import type { SessionRow } from "../../projections/sessions/queries.js";
import { timestamp } from "../convert.js";

function displayName(row: SessionRow): string {
  if (row.display_name) return row.display_name;
  return [row.given_name, row.family_name].filter(Boolean).join(" ") || (row.username ?? "");
}

/** A sessions_v1 row (joined with its user) as zitadel.session.v2.Session. */
export function sessionV2(row: SessionRow) {
  return create(SessionSchema, {
    id: row.id,
    creationDate: timestamp(row.creation_date),
    changeDate: timestamp(row.change_date),
    sequence: BigInt(row.sequence),
    factors: {
      user: {
        verifiedAt: timestamp(row.user_checked_at),
        id: row.user_id,
        loginName: row.username ?? "",
        displayName: displayName(row),
        organizationId: row.resource_owner,
      },
      password: row.password_checked_at ? { verifiedAt: timestamp(row.password_checked_at) } : undefined,
    },
    metadata: Object.fromEntries(Object.entries(row.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, "base64"))])),
    expirationDate: row.expiration ? timestamp(row.expiration) : undefined,
  });
}
