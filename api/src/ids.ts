import { createHash, randomBytes } from "node:crypto";

// Ids draw on a pool of random bytes: one call for the kernel's randomness per 341 ids rather
// than per id (a call per id was a few per cent of a quote). Ids are unguessable, not secrets;
// API keys draw their own bytes.
const ID_BYTES = 12;
let pool = Buffer.alloc(0);
let offset = 0;

/** A new id prefixed by its kind (`m_`, `d_`, `pv_`, `k_`): 96 random bits. */
export function newId(prefix: string): string {
  if (offset + ID_BYTES > pool.length) {
    pool = randomBytes(4092);
    offset = 0;
  }
  const id = pool.toString("base64url", offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return `${prefix}_${id}`;
}

/** SHA-256 of a string, hex. */
export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** JSON with object keys sorted, so equal values hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
