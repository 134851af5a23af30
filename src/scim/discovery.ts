import { MAX_PATCH_OPERATIONS } from "./patch.js";
import { USER_SCHEMA } from "./resource.js";
import { MAX_COUNT } from "./users.js";

const SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema";

export interface BulkLimits {
  maxOperations: number;
  maxPayloadSize: number;
}

/** RFC 7644 §5: what this server does, and nothing it does not. */
export function serviceProviderConfig(baseUrl: string, bulk: BulkLimits) {
  return {
    schemas: [SPC_SCHEMA],
    documentationUri: "https://github.com/zitadel/zitadel",
    patch: { supported: true },
    bulk: { supported: true, maxOperations: bulk.maxOperations, maxPayloadSize: bulk.maxPayloadSize },
    filter: { supported: true, maxResults: MAX_COUNT },
    changePassword: { supported: true },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "Bearer token",
        description: "A personal access token of a machine user (or a session token) holding user permissions in the organization",
        primary: true,
      },
    ],
    meta: { resourceType: "ServiceProviderConfig", location: `${baseUrl}/ServiceProviderConfig` },
  };
}

export function userResourceType(baseUrl: string) {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: "User",
    name: "User",
    endpoint: "/Users",
    description: "A human user of the organization",
    schema: USER_SCHEMA,
    schemaExtensions: [],
    meta: { resourceType: "ResourceType", location: `${baseUrl}/ResourceTypes/User` },
  };
}

type Attr = Record<string, unknown>;
const attr = (name: string, description: string, more: Attr = {}): Attr => ({
  name,
  type: "string",
  multiValued: false,
  description,
  required: false,
  caseExact: false,
  mutability: "readWrite",
  returned: "default",
  uniqueness: "none",
  ...more,
});
const sub = (kind: string): Attr[] => [
  attr("value", `The ${kind}`),
  attr("type", `Always "work" when read: the kind is not stored`, { canonicalValues: ["work", "home", "other"] }),
  attr("primary", "Always true when read", { type: "boolean" }),
];

/**
 * The User schema as this server implements it (RFC 7643 §7). Where it differs from the RFC's, the
 * description says so: one address and one phone number per user, userName fixed after creation,
 * name.formatted computed. Attributes absent here (addresses, groups, roles, extensions) are ignored on input.
 */
export function userSchema(baseUrl: string) {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: USER_SCHEMA,
    name: "User",
    description: "User Account",
    attributes: [
      attr("id", "Assigned by the server", { caseExact: true, mutability: "readOnly", returned: "always", uniqueness: "server" }),
      attr("externalId", "The identifier the provisioning client gave the user", { caseExact: true }),
      attr("userName", "Unique per organization, case-insensitively; cannot be changed after creation", {
        required: true,
        mutability: "immutable",
        uniqueness: "server",
      }),
      attr("name", "The user's name", {
        type: "complex",
        subAttributes: [
          attr("formatted", "Given and family name, computed", { mutability: "readOnly" }),
          attr("givenName", "Required by this server", { required: true }),
          attr("familyName", "Required by this server", { required: true }),
        ],
      }),
      attr("displayName", "Name to display"),
      attr("nickName", "Casual name"),
      attr("preferredLanguage", "Language tag, at most 10 characters"),
      attr("active", "false: deactivated (no login, tokens and sessions stop); true: usable", { type: "boolean" }),
      attr("password", "Write only; must meet the password complexity policy", { mutability: "writeOnly", returned: "never", caseExact: true }),
      attr("emails", "Exactly one address per user (a userName that is an address stands in for a missing one); treated as verified", {
        type: "complex",
        multiValued: true,
        subAttributes: sub("email address"),
      }),
      attr("phoneNumbers", "At most one number per user", { type: "complex", multiValued: true, subAttributes: sub("phone number") }),
    ],
    meta: { resourceType: "Schema", location: `${baseUrl}/Schemas/${USER_SCHEMA}` },
  };
}

export const listOf = (resources: unknown[]) => ({
  schemas: ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
  totalResults: resources.length,
  startIndex: 1,
  itemsPerPage: resources.length,
  Resources: resources,
});
