/**
 * The layers of src/ and the direction of every import between them (README "Architecture"):
 * surfaces → commands → domain / eventstore / projections → db, nothing upward, no cycles.
 * `npm run lint:deps` checks them; .ci/run runs it.
 */
const surfaces = "^src/(server|gateway|http|api|scim|v1-surface|cli|jobs|delivery)/";
module.exports = {
  forbidden: [
    { name: "no-cycles", severity: "error", from: {}, to: { circular: true } },
    {
      name: "domain-is-pure",
      comment: "Deciders know only their own events and the store's shared types.",
      severity: "error",
      from: { path: "^src/domain/" },
      to: { path: "^src/", pathNot: ["^src/domain/", "^src/eventstore/types\\.ts$"] },
    },
    {
      name: "commands-below-surfaces",
      comment: "Use cases are called by surfaces and jobs; they never call them.",
      severity: "error",
      from: { path: "^src/commands/" },
      to: { path: surfaces },
    },
    {
      name: "storage-below-commands",
      comment: "The event store, read models, event readers and the database know no use case and no surface.",
      severity: "error",
      from: { path: "^src/(eventstore|projections|events|db|credentials)/" },
      to: { path: [surfaces, "^src/commands/"] },
    },
    {
      name: "migrations-are-frozen",
      comment: "A migration means the same thing forever: it imports nothing of today's domain or read models.",
      severity: "error",
      from: { path: "^src/db/migrations/" },
      to: { path: "^src/", pathNot: "^src/db/migrations/" },
    },
    {
      name: "surfaces-use-commands",
      comment: "No surface drives the event store's write path directly.",
      severity: "error",
      from: { path: "^src/(api|gateway|http|scim|v1-surface)/" },
      to: { path: ["^src/eventstore/(event-store|handle-command|append|group-append)\\.ts$"], dependencyTypesNot: ["type-only"] },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^gen/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
