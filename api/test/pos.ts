/**
 * Factories and POS calls shared by the program and ledger suites: receipts built from a few
 * overrides, unique receipt ids, and members enrolled the way a store enrols them (anonymous
 * evidence receipts of the same store-day, then POST /v1/members).
 */
import { randomBytes } from "node:crypto";
import { expect } from "vitest";
import type { TestApp } from "./harness";

/** The store of every receipt unless a test says otherwise. */
export const STORE = "beiguo-central";

/** The evidence spend (fen) that enrols at each tier of program 1: 1,000 / 5,000 / 10,000 / 50,000 yuan. */
export const ENTRY_SPEND = { guest: 100_000, silver: 500_000, platinum: 1_000_000, diamond: 5_000_000 } as const;
export type Tier = keyof typeof ENTRY_SPEND;

/** A receipt line as the POS sends it. */
export interface LineBody {
  lineId?: string;
  sku?: string;
  styleId?: string;
  department?: "department_store" | "supermarket" | "appliances" | "dining" | "other";
  zone?: string;
  brand?: string;
  quantity?: number;
  unitPrice?: number;
  fullPrice?: boolean;
  marginPercent?: number;
}

/** A receipt as the POS sends it. */
export interface ReceiptBody {
  receiptId?: string;
  type?: "sale" | "return";
  originalReceiptId?: string | null;
  memberId?: string | null;
  storeId: string;
  at: string;
  lines: LineBody[];
  tenders?: { type: string; amount: number }[];
}

const run = randomBytes(3).toString("hex");
let counter = 0;

/** A receipt id no other receipt of this test process has. */
export function nextReceiptId(prefix = "R"): string {
  counter += 1;
  return `${prefix}-${run}-${String(counter).padStart(5, "0")}`;
}

let styles = 0;

/**
 * A sale: each line defaults to one full-price department-store unit of 100 yuan with a style of
 * its own (so no bulk exclusion unless a test shares a style), numbered from "1".
 */
export function sale(at: string, lines: LineBody[], extra: Partial<ReceiptBody> = {}): ReceiptBody & { receiptId: string } {
  return {
    receiptId: nextReceiptId(),
    storeId: STORE,
    at,
    ...extra,
    lines: lines.map((line, i) => {
      styles += 1;
      return { lineId: String(i + 1), sku: `SKU-${styles}`, styleId: `ST-${styles}`, department: "department_store", quantity: 1, unitPrice: 10_000, fullPrice: true, ...line } as LineBody;
    }),
  } as ReceiptBody & { receiptId: string };
}

/** A return of some quantities (by lineId) of a committed sale, copying the lines' other fields. */
export function returnOf(original: ReceiptBody, at: string, quantities: Record<string, number>, extra: Partial<ReceiptBody> = {}): ReceiptBody & { receiptId: string } {
  const lines = original.lines.filter((l) => (quantities[l.lineId!] ?? 0) > 0).map((l) => ({ ...l, quantity: quantities[l.lineId!]! }));
  return { receiptId: nextReceiptId("RT"), type: "return", originalReceiptId: original.receiptId!, storeId: original.storeId, at, lines, ...extra };
}

/** A return of everything a sale bought. */
export function fullReturnOf(original: ReceiptBody, at: string): ReceiptBody & { receiptId: string } {
  return returnOf(original, at, Object.fromEntries(original.lines.map((l) => [l.lineId!, l.quantity ?? 1])));
}

/** POST /v1/transactions as the POS. */
export function commit(t: TestApp, body: ReceiptBody) {
  return t.request("POST", "/v1/transactions", { role: "pos", body });
}

/** Commits and expects a new receipt (201); answers the decision. */
export async function commitOk(t: TestApp, body: ReceiptBody): Promise<any> {
  const res = await commit(t, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** GET /v1/members/{id}. */
export async function getMember(t: TestApp, id: string): Promise<any> {
  const res = await t.request("GET", `/v1/members/${id}`, { role: "pos" });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** GET /v1/members/{id}/ledger entries. */
export async function getLedger(t: TestApp, id: string): Promise<any[]> {
  const res = await t.request("GET", `/v1/members/${id}/ledger`, { role: "auditor" });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.entries;
}

/** POST /v1/members with the given evidence. */
export function enrolRequest(t: TestApp, at: string, evidenceReceiptIds: string[], storeId = STORE) {
  return t.request("POST", "/v1/members", { role: "pos", body: { storeId, at, program: "beiguo", evidenceReceiptIds, profile: { name: "Test", phone: "13800000000", student: false, studentOfficer: false } } });
}

/**
 * Enrols a member at `tier` the way the desk does: one anonymous evidence receipt of exactly the
 * tier's entry spend, an hour before the application, at the same store.
 */
export async function enrolAt(t: TestApp, tier: Tier, day = "2026-11-22", storeId = STORE): Promise<string> {
  const evidence = sale(`${day}T10:00:00+08:00`, [{ unitPrice: ENTRY_SPEND[tier] }], { storeId });
  await commitOk(t, evidence);
  const res = await enrolRequest(t, `${day}T11:00:00+08:00`, [evidence.receiptId], storeId);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body.member.tier).toBe(tier);
  return res.body.member.id as string;
}
