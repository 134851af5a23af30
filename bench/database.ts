import { randomBytes } from "node:crypto";
import pg from "pg";

export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function admin(base: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** An empty database `bench_<random>` next to `baseUrl`'s, dropped by `drop()`. */
export async function createScratchDatabase(baseUrl: string): Promise<ScratchDatabase> {
  const name = `bench_${randomBytes(5).toString("hex")}`;
  await admin(baseUrl, `create database ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => admin(baseUrl, `drop database if exists ${name} with (force)`) };
}
