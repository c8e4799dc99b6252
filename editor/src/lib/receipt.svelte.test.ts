import { describe, expect, it } from "vitest";
import { compilePolicy, parsePolicy, type Decision } from "../../../engine/src/index";
import { beiguoDocument, fakeApi } from "../test/factories";
import type { QuoteRequest, ServerDecision } from "./api";
import { newLine, ReceiptState } from "./receipt.svelte";

const doc = beiguoDocument();
const parsed = parsePolicy(doc);
if (!parsed.ok) throw new Error("invalid");
const beiguo = compilePolicy(parsed.value);

describe("ReceiptState", () => {
  it("decides a basket for a silver member with the draft in the browser", () => {
    const receipt = new ReceiptState();
    receipt.lines = [newLine({ unitPriceYuan: "1000" }), newLine({ department: "dining", unitPriceYuan: "200" }), newLine({ brand: "Rolex", unitPriceYuan: "50000" })];
    receipt.decideWith(beiguo, doc);
    const d = receipt.decision as Decision;
    expect(receipt.errors).toEqual([]);
    expect(d.lines.map((l) => l.discount)).toEqual([5_000, 2_000, 0]);
    expect(d.member).toEqual({ id: "m_try", tier: "silver" });
    expect(d.trace.some((e) => e.rule === "silver-full-price" && e.lineId === "3" && e.failed?.length)).toBe(true);
    expect(receipt.decidedWith).toBe(doc);
  });

  it("names the fields it cannot read", () => {
    const receipt = new ReceiptState();
    receipt.lines = [newLine({ unitPriceYuan: "ten" })];
    receipt.decideWith(beiguo, doc);
    expect(receipt.errors).toEqual(["/lines/0/unitPrice"]);
  });

  it("sends a server quote as the POS would, with the member's id", async () => {
    const sent: QuoteRequest[] = [];
    const receipt = new ReceiptState();
    receipt.mode = "server";
    receipt.member.memberId = "m_42";
    receipt.tenders = [{ type: "cash", amountYuan: "950" }];
    const api = fakeApi({ quote: async (r) => (sent.push(r), { decisionId: "d_1", ...(beiguo.decide({ receipt: { ...r, type: "sale", lines: r.lines.map((l) => ({ ...l, fullPrice: true })) } as never, member: null }) as Decision) }) as unknown as ServerDecision });
    await receipt.quote(api, () => doc);
    expect(sent[0]).toMatchObject({ memberId: "m_42", at: "2026-11-22T14:05:00+08:00", storeId: "beiguo-central", tenders: [{ type: "cash", amount: 95_000 }], lines: [{ department: "department_store", unitPrice: 100_000, quantity: 1 }] });
    expect(receipt.decision).not.toBeNull();
  });
});
