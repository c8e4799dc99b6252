/**
 * The least a service can do for a quote, to measure the floor under the HTTP figures: node:http in
 * WORKERS cluster processes (as the service runs on PostgreSQL) that read each request's JSON body,
 * parse it and answer a fixed JSON document of ANSWER_BYTES. Run by bench/http.ts in its own
 * process; PORT is where it listens.
 */
import cluster from "node:cluster";
import { createServer } from "node:http";

const workers = Number(process.env.WORKERS ?? 2);
const answer = Buffer.from(JSON.stringify({ padding: "x".repeat(Math.max(0, Number(process.env.ANSWER_BYTES ?? 6_000) - 15)) }));

if (cluster.isPrimary && workers > 1) {
  for (let i = 0; i < workers; i++) cluster.fork();
  process.on("SIGTERM", () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill();
    process.exit(0);
  });
} else {
  createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      JSON.parse(Buffer.concat(chunks).toString("utf8"));
      res.writeHead(200, { "content-type": "application/json", "content-length": answer.length });
      res.end(answer);
    });
  }).listen(Number(process.env.PORT));
}
