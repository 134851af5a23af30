import { beforeAll, expect, it } from "vitest";
import { pageWithTotals } from "../../src/projections/list-query.js";
import type { UserRow } from "../../src/projections/users/queries.js";
import { newHuman, newMachine } from "../harness/fixtures.js";
import { describeOnDatabases } from "../harness/on-databases.js";

// A list page counts matches only a bounded distance past its end: exact below that, a lower bound above it
// that still tells a client paging until offset >= total that another page exists.
describeOnDatabases("bounded list totals on %s", { orgs: 2 }, (t) => {
  const { server, clients } = t;
  const mixedOrgId = () => t.orgIds[1];

  beforeAll(async () => {
    for (let i = 0; i < 12; i++) await newHuman(clients, server.adminToken, t.orgId);
    // Humans have a first name, machines none: a sort column with NULLs.
    for (let i = 0; i < 4; i++) await newHuman(clients, server.adminToken, mixedOrgId());
    for (let i = 0; i < 3; i++) await newMachine(clients, server.adminToken, mixedOrgId());
  });

  const page = (offset: number, countAhead: number) =>
    pageWithTotals<UserRow, "users_v1">(server.app.database.db, "users_v1", (eb) => eb("resource_owner", "=", t.orgId), "creation_date", (o) => o.asc(), { offset, limit: 5, asc: true }, { countAhead });

  it("is exact when every match lies within the counted distance", async () => {
    expect(await page(0, 100)).toMatchObject({ total: 12 });
    expect((await page(10, 2)).total).toBe(12);
    expect((await page(10, 2)).rows).toHaveLength(2);
  });

  it("is a lower bound past the page's end beyond it, and paging by it reaches every row", async () => {
    const first = await page(0, 2);
    expect(first.rows).toHaveLength(5);
    expect(first.total).toBe(7);
    const seen: string[] = [];
    for (let offset = 0; offset < (await page(offset, 2)).total; offset += 5) seen.push(...(await page(offset, 2)).rows.map((r) => r.id));
    expect(new Set(seen).size).toBe(12);
  });

  it("past the end, the total is still the exact count", async () => {
    expect(await page(20, 2)).toMatchObject({ total: 12, rows: [] });
    expect((await page(20, 2)).processedPosition).toBeGreaterThan(0);
  });

  // Deep pages read keys first and then the page's rows; whichever way, a page holds the same rows in the same
  // order, also sorted by a column with NULLs (given_name, NULLs last) in both directions.
  it.each([
    ["creation_date", true],
    ["creation_date", false],
    ["given_name", true],
    ["given_name", false],
  ] as const)("a page read keys first equals one read directly (sort %s, asc %s)", async (sort, asc) => {
    const read = (offset: number, keysFirstFromOffset: number) =>
      pageWithTotals<UserRow, "users_v1">(
        server.app.database.db,
        "users_v1",
        (eb) => eb("resource_owner", "in", [t.orgId, mixedOrgId()]),
        sort,
        (o) => (asc ? o.asc() : o.desc()).nullsLast(),
        { offset, limit: 5, asc },
        { keysFirstFromOffset },
      );
    const all = 12 + 4 + 3;
    const seen = new Set<string>();
    for (const offset of [0, 5, 10, 15, 20]) {
      const direct = await read(offset, Number.MAX_SAFE_INTEGER);
      const keysFirst = await read(offset, 0);
      expect(keysFirst).toEqual(direct);
      expect(keysFirst.rows).toHaveLength(Math.max(0, Math.min(5, all - offset)));
      for (const row of keysFirst.rows) seen.add(row.id);
    }
    expect(seen.size).toBe(all);
  });
});
