import { create } from "@bufbuild/protobuf";
import { type Timestamp, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { DetailsSchema } from "../../gen/zitadel/object/v2/object_pb.js";
import { ObjectDetailsSchema } from "../../gen/zitadel/object_pb.js";
import type { ObjectDetails } from "../eventstore/types.js";
import type { DetailsColumns } from "../db/schema.js";

export const timestamp = (date: Date): Timestamp => timestampFromDate(date);

/** Details of a read model row (docs/contract.md §2: on read). */
export function rowDetails(row: DetailsColumns): ObjectDetails {
  return { sequence: row.sequence, changeDate: row.change_date, creationDate: row.creation_date, resourceOwner: row.resource_owner };
}

export function detailsV2(d: ObjectDetails | { resourceOwner: string }) {
  if (!("sequence" in d)) return create(DetailsSchema, { resourceOwner: d.resourceOwner });
  return create(DetailsSchema, {
    sequence: BigInt(d.sequence),
    changeDate: timestamp(d.changeDate),
    resourceOwner: d.resourceOwner,
    creationDate: timestamp(d.creationDate),
  });
}

/** zitadel.v1.ObjectDetails numbers its fields differently from v2; the content is the same. */
export function detailsV1(d: ObjectDetails) {
  return create(ObjectDetailsSchema, {
    sequence: BigInt(d.sequence),
    creationDate: timestamp(d.creationDate),
    changeDate: timestamp(d.changeDate),
    resourceOwner: d.resourceOwner,
  });
}
