/**
 * The least a service can do for a quote, to measure the floor under the HTTP figures: node:http in
 * WORKERS cluster processes (as the service runs on PostgreSQL) that read each request's JSON body,
 * parse it and answer a fixed JSON document of ANSWER_BYTES. Given DATABASE_URL (the service's
 * database), a body naming a `memberId` first reads that member's row by its primary key, as any
 * service that decides from the member's state must. Run by bench/http.ts in its own process; PORT
 * is where it listens.
 */
import cluster from "node:cluster";
import { createServer } from "node:http";
import postgres from "postgres";
import { postgresTarget } from "../api/src/db/client";

const workers = Number(process.env.WORKERS ?? 2);
const answer = Buffer.from(JSON.stringify({ padding: "x".repeat(Math.max(0, Number(process.env.ANSWER_BYTES ?? 6_000) - 15)) }));

/** Reads a member's row, when there is a database to read it from; the service's pool size. */
function memberReader(): ((id: string) => Promise<unknown>) | null {
  if (!process.env.DATABASE_URL) return null;
  const { url, path } = postgresTarget(process.env.DATABASE_URL);
  const sql = postgres(url, { ...(path ? { path } : {}), max: 10, onnotice: () => {} });
  return (id) => sql`select * from members where id = ${id}`;
}

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on("SIGTERM", () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
} else {
  const readMember = memberReader();
  createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      if (readMember && typeof body?.memberId === "string") await readMember(body.memberId);
      res.writeHead(200, { "content-type": "application/json", "content-length": answer.length });
      res.end(answer);
    });
  }).listen(Number(process.env.PORT));
}
